/**
 * Security modules as processes of their own (`keyledger module start`, the built gateway), each with its own
 * SoftHSM token, on a devnet: self-registration with endpoint and TLS certificate, software attestation, the mTLS
 * gate (orchestrators and modules only), and a crash and restart with the same identity key.
 *
 * Needs the TrustDomain functions marked NEW in the module brief (self-registration by role module with
 * tlsCertificatePem, IssueAttestationNonce, the software-attestation statement fields).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../gateway/src/files';
import { spawnKeyledger, type KeyledgerProcess } from '../../gateway/src/stack/childProcesses';
import {
  ModuleCallError,
  openModuleClient,
  ThresholdLedger,
  type ModuleClientIdentity,
  type ModuleHealth,
  type ModulePeerClient,
  type ModuleRecord,
} from '../../gateway/src/threshold';
import { startMemberNet, type MemberNet, type NetMember } from './support/memberNet';

jest.setTimeout(180_000);

const READY = /^module (\S+) ready on (https:\/\/\S+)$/m;

function tlsOf(member: NetMember): ModuleClientIdentity {
  return { certPem: member.files.certPem, keyPem: readFileSync(member.files.keyPath, 'utf8') };
}

describe('security modules (separate processes, SoftHSM, mutual TLS, devnet)', () => {
  let net: MemberNet;
  let ledger: ThresholdLedger;
  let orchestrator: NetMember;
  const members = new Map<string, NetMember>();
  const processes = new Map<string, KeyledgerProcess>();
  const clients: ModulePeerClient[] = [];

  const startModule = async (name: string, index: number): Promise<KeyledgerProcess> => {
    let who = members.get(name);
    if (!who) {
      who = await net.addMember(name, 'module');
      members.set(name, who);
    }
    const dataDir = join(net.dataDir, 'modules', name);
    const identityFile = join(dataDir, 'identity.json');
    writeFileAtomic(identityFile, `${JSON.stringify(who.fabric, null, 2)}\n`);
    const started = await spawnKeyledger({
      what: `module ${name}`,
      args: [
        'module',
        'start',
        '--name',
        name,
        '--index',
        String(index),
        '--identity',
        identityFile,
        '--data-dir',
        dataDir,
        '--attestation-interval',
        '3600',
      ],
      ready: READY,
      logFile: join(dataDir, 'module.log'),
    });
    processes.set(name, started);
    return started;
  };

  const record = async (name: string): Promise<ModuleRecord> => {
    const found = await ledger.getModule(name);
    if (!found) {
      throw new Error(`module ${name} is not registered`);
    }
    return found;
  };

  const client = async (name: string, identity: ModuleClientIdentity): Promise<ModulePeerClient> => {
    const made = openModuleClient({ module: await record(name), identity });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    net = await startMemberNet({ prefix: 'keyledger-modules-' });
    net.onStop(async () => {
      await Promise.all([...processes.values()].map((p) => p.kill()));
      await Promise.all(clients.map((c) => c.close()));
    });
    orchestrator = await net.addMember('orchestrator', 'orchestrator');
    ledger = new ThresholdLedger(net.connectionAs(net.admin));
    await Promise.all([startModule('m1', 1), startModule('m2', 2)]);
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('registered each module as itself, with its endpoint, TLS certificate and share index', async () => {
    for (const [name, index] of [
      ['m1', 1],
      ['m2', 2],
    ] as const) {
      const module = await record(name);
      expect(module).toMatchObject({ moduleId: name, shareIndex: index, status: 'active', keyType: 'p256' });
      expect(module.endpoint).toBe(processes.get(name)?.url);
      expect(module.tlsCertificatePem).toContain('BEGIN CERTIFICATE');
      expect(module.publicKeyPem).toContain('BEGIN PUBLIC KEY');
      expect(module.owner).toEqual({
        mspId: members.get(name)?.files.mspId,
        fingerprint: members.get(name)?.fingerprint,
      });
    }
  });

  it('had its software attestation accepted on start', async () => {
    for (const name of ['m1', 'm2']) {
      const module = await record(name);
      expect(module.trust.attestations).toBeGreaterThanOrEqual(1);
      expect(module.trust.lastAttestedAt).toBeGreaterThan(0);
      expect(module.trust.lastFirmwareDigest).toMatch(/^[0-9a-f]{64}$/);
      expect((await ledger.trustScore(name))?.score).toBeGreaterThan(0);
    }
    const attested = JSON.parse(
      readFileSync(join(net.dataDir, 'modules', 'm1', 'attested.json'), 'utf8'),
    ) as {
      codeDigest: string;
    };
    expect((await record('m1')).trust.lastFirmwareDigest).toBe(attested.codeDigest);
  });

  it('answers an orchestrator and a module, and refuses a certificate that is not a member', async () => {
    const health = await (await client('m1', tlsOf(orchestrator))).call<ModuleHealth>('GET', '/health');
    expect(health).toMatchObject({ moduleId: 'm1', shareIndex: 1, status: 'ok', keys: [] });
    expect(health.lastAttestedAt).toBeGreaterThan(0);

    const fromPeer = await (
      await client('m1', tlsOf(members.get('m2') as NetMember))
    ).call<ModuleHealth>('GET', '/health');
    expect(fromPeer.moduleId).toBe('m1');

    const stranger = await net.newIdentity('stranger');
    const refused: unknown = await (
      await client('m1', tlsOf(stranger))
    )
      .call('GET', '/health')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ModuleCallError);
    expect(refused).toMatchObject({ kind: 'refused', status: 403, moduleProblem: 'forbidden' });

    const noFaults: unknown = await (
      await client('m1', tlsOf(orchestrator))
    )
      .call('POST', '/v1/faults', { misbehave: ['late'] })
      .catch((error: unknown) => error);
    expect(noFaults).toMatchObject({ status: 403 });
  });

  it('pins the registered certificate: another server certificate is refused', async () => {
    const m1 = await record('m1');
    const m2 = await record('m2');
    const wrong = openModuleClient({
      module: { moduleId: 'm1', endpoint: m1.endpoint, tlsCertificatePem: m2.tlsCertificatePem },
      identity: tlsOf(orchestrator),
    });
    clients.push(wrong);
    await expect(wrong.call('GET', '/health')).rejects.toMatchObject({ kind: 'connection' });
  });

  it('after kill -9 and a restart: the same identity key, the registration kept, no tamper report', async () => {
    const before = await record('m1');
    await processes.get('m1')?.kill();
    const restarted = await startModule('m1', 1);
    const after = await record('m1');
    expect(after.publicKeyPem).toBe(before.publicKeyPem);
    expect(after.publicKeyDigest).toBe(before.publicKeyDigest);
    expect(after.registeredAt).toBe(before.registeredAt);
    expect(after.shareIndex).toBe(1);
    expect(after.endpoint).toBe(restarted.url);
    expect(after.tlsCertificatePem?.trim()).toBe(before.tlsCertificatePem?.trim());
    expect(after.status).toBe('active');
    expect(after.trust.tamperReports).toBe(0);
    expect(after.trust.attestations).toBeGreaterThan(before.trust.attestations);
    const health = await (await client('m1', tlsOf(orchestrator))).call<ModuleHealth>('GET', '/health');
    expect(health.moduleId).toBe('m1');
  });

  it('reports a token swap since the last start as tamper evidence: the module is quarantined', async () => {
    await processes.get('m2')?.stop();
    const file = join(net.dataDir, 'modules', 'm2', 'attested.json');
    const last = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileAtomic(file, JSON.stringify({ ...last, tokenSerial: 'a-token-that-was-swapped-out' }));
    await startModule('m2', 2);
    const after = await record('m2');
    expect(after.trust.tamperReports).toBe(1);
    expect(after.status).toBe('quarantined');
    expect(after.quarantineEvidence).toMatch(/^[0-9a-f]{64}$/);
    expect((await ledger.trustScore('m2'))?.score).toBe(0);
    // The next start finds the serial it remembered: nothing more to report.
    await processes.get('m2')?.stop();
    await startModule('m2', 2);
    expect((await record('m2')).trust.tamperReports).toBe(1);
  });
});
