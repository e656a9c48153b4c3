import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../../../src/participant';
import type { ModuleRecord, ThresholdLedger } from '../../../src/threshold';
import { LedgerPeerDirectory } from '../../../src/threshold/module/peers';

function fakeLedger(records: Map<string, Partial<ModuleRecord>>): {
  ledger: ThresholdLedger;
  reads: () => number;
} {
  let reads = 0;
  const ledger = {
    getModule: (moduleId: string) => {
      reads += 1;
      return Promise.resolve(records.get(moduleId) as ModuleRecord | undefined);
    },
  } as unknown as ThresholdLedger;
  return { ledger, reads: () => reads };
}

describe('LedgerPeerDirectory', () => {
  let dir: string;
  let tls: TlsIdentity;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-peers-'));
    tls = await loadOrCreateTlsIdentity(dir, 'm2', ['127.0.0.1']);
    cert = tls.certPem;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a record once per TTL, reuses the client, and replaces it when the endpoint moves', async () => {
    let now = 0;
    const records = new Map<string, Partial<ModuleRecord>>([
      ['m2', { moduleId: 'm2', endpoint: 'https://127.0.0.1:1', tlsCertificatePem: cert }],
    ]);
    const { ledger, reads } = fakeLedger(records);
    const directory = new LedgerPeerDirectory(
      ledger,
      { certPem: tls.certPem, keyPem: tls.keyPem },
      { ttlMs: 1000, clock: () => now },
    );
    const first = await directory.client('m2');
    expect(first.moduleId).toBe('m2');
    expect(await directory.client('m2')).toBe(first);
    expect(reads()).toBe(1);
    now = 2000;
    expect(await directory.client('m2')).toBe(first);
    expect(reads()).toBe(2);
    records.set('m2', { moduleId: 'm2', endpoint: 'https://127.0.0.1:2', tlsCertificatePem: cert });
    now = 4000;
    const moved = await directory.client('m2');
    expect(moved).not.toBe(first);
    await expect(directory.client('m404')).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    await directory.close();
  });

  it('cannot call peers without a member key file', async () => {
    const { ledger } = fakeLedger(new Map());
    await expect(new LedgerPeerDirectory(ledger, undefined).client('m2')).rejects.toMatchObject({
      kind: 'FORBIDDEN',
    });
  });
});
