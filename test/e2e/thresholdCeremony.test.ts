/**
 * Key ceremonies with a byzantine module, and modules whose attestation went stale: three security-module
 * processes on a devnet. A module that deals bad DKG shares is named by the others and reported on the ledger,
 * and nothing is published; a module whose software attestation is older than the policy allows is never asked,
 * and when too few are fresh, signing fails closed with a clear error until they attest again.
 */
import { verify } from 'node:crypto';
import { ThresholdOperationError } from '../../gateway/src/threshold/errors';
import { ed25519KeyObject } from '../../gateway/src/threshold/service/thresholdSigning';
import { startThresholdNet, type ThresholdNet } from './support/thresholdNet';

jest.setTimeout(240_000);

describe('threshold ceremonies with byzantine and stale modules (module processes, devnet)', () => {
  let tn: ThresholdNet;
  let startedAt: number;

  beforeAll(async () => {
    tn = await startThresholdNet('keyledger-threshold-ceremony-');
    await Promise.all(['m1', 'm2', 'm3'].map((name, i) => tn.startModule(name, i + 1)));
    // Each module attests before it says it is ready: every attestation is older than this from now on.
    startedAt = Date.now();
    await tn.adminLedger.setPolicy({ keyId: 'k-bad', t: 2, n: 3, minTrust: 100 });
    await tn.adminLedger.setPolicy({
      keyId: 'k-stale',
      t: 2,
      n: 3,
      minTrust: 100,
      attestationMaxAgeSeconds: 60,
    });
  });

  afterAll(async () => {
    await tn?.stop();
  });

  it('aborts a DKG whose participant deals a bad share: the sender is named on the ledger, nothing is published', async () => {
    const before = (await tn.orchestratorLedger.moduleView('m3'))?.trust.anomalies ?? 0;
    await tn.setFaults('m3', ['bad-secret-share']);
    const failed = await tn.service
      .keygen(tn.adminLedger, { keyId: 'k-bad' })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ThresholdOperationError);
    expect((failed as ThresholdOperationError).cheaters).toEqual(['m3']);
    expect((failed as Error).message).toMatch(/m3 sent values that do not match their commitments/);
    expect(await tn.orchestratorLedger.latestCommitments('k-bad')).toBeUndefined();
    expect((await tn.orchestratorLedger.moduleView('m3'))?.trust.anomalies).toBe(before + 1);

    await tn.setFaults('m3', []);
    const outcome = await tn.service.keygen(tn.adminLedger, { keyId: 'k-bad' });
    const signed = await tn.service.sign(tn.orchestratorLedger, {
      keyId: 'k-bad',
      message: Buffer.from('ok'),
    });
    expect(verify(null, Buffer.from('ok'), ed25519KeyObject(outcome.groupPublicKey), signed.signature)).toBe(
      true,
    );
  });

  it('never asks a module whose attestation is stale, and fails closed when too few are fresh', async () => {
    const outcome = await tn.service.keygen(tn.adminLedger, { keyId: 'k-stale' });
    const fresh = await tn.service.sign(tn.orchestratorLedger, {
      keyId: 'k-stale',
      message: Buffer.from('fresh'),
    });
    expect(fresh.signers).toEqual(['m1', 'm2', 'm3']);
    // The modules attested when they started (their timer is an hour): let that pass the policy's 60 s.
    const wait = startedAt + 62_000 - Date.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const stale = await tn.service
      .sign(tn.orchestratorLedger, { keyId: 'k-stale', message: Buffer.from('stale') })
      .catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(Error);
    expect((stale as Error).message).toMatch(/only 0 module\(s\) of key k-stale/);

    // m1 and m2 restart and attest again; m3 stays stale and is not asked.
    await Promise.all(['m1', 'm2'].map((name) => tn.stopModule(name)));
    await Promise.all(['m1', 'm2'].map((name, i) => tn.startModule(name, i + 1)));
    const signed = await tn.service.sign(tn.orchestratorLedger, {
      keyId: 'k-stale',
      message: Buffer.from('again'),
    });
    expect(
      verify(null, Buffer.from('again'), ed25519KeyObject(outcome.groupPublicKey), signed.signature),
    ).toBe(true);
    const session = await tn.orchestratorLedger.session(signed.sessionId);
    expect(session.eligible.map((entry) => entry.moduleId).sort()).toEqual(['m1', 'm2']);
    expect(signed.signers).toEqual(['m1', 'm2']);
  });
});
