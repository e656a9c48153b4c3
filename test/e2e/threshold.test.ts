/**
 * Threshold key custody end to end: five security modules as processes of their own (`keyledger module start`,
 * own SoftHSM tokens, mutual TLS) on a devnet; DKG and dealer ceremonies; FROST signing across processes that
 * verifies with plain node:crypto Ed25519 and as a JWS; byzantine modules (bad signature share, late answer,
 * replayed old-epoch share, bad secret share) detected and named on the ledger; quarantined modules never asked;
 * proactive refresh under the same group key; break-glass reconstruction; a coordinator killed mid-session.
 */
import { createHash, verify } from 'node:crypto';
import { importJWK, compactVerify, type JWK } from 'jose';
import { ThresholdOperationError } from '../../gateway/src/threshold/errors';
import { ed25519KeyObject, type SignOutcome } from '../../gateway/src/threshold/service/thresholdSigning';
import type { ModuleHealth } from '../../gateway/src/threshold';
import { MODULE_PATHS } from '../../gateway/src/threshold/protocol/wire';
import { startThresholdNet, type ThresholdNet } from './support/thresholdNet';

jest.setTimeout(240_000);

const MODULES = ['m1', 'm2', 'm3', 'm4', 'm5'] as const;

function jwsOf(groupPublicKey: string, header: object, payload: object): { input: Buffer; jwk: JWK } {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    input: Buffer.from(`${encode(header)}.${encode(payload)}`),
    jwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(groupPublicKey, 'hex').toString('base64url') },
  };
}

describe('threshold custody (module processes, SoftHSM, mutual TLS, devnet)', () => {
  let tn: ThresholdNet;
  let groupKey: string;

  const score = async (moduleId: string): Promise<number> =>
    (await tn.orchestratorLedger.moduleView(moduleId))?.score ?? -1;
  const health = (moduleId: string): Promise<ModuleHealth> =>
    tn.caller.call<ModuleHealth>(moduleId, 'GET', '/health');
  const sign = (message: string, keyId = 'k-dkg'): Promise<SignOutcome> =>
    tn.service.sign(tn.orchestratorLedger, { keyId, message: Buffer.from(message) });

  beforeAll(async () => {
    tn = await startThresholdNet('keyledger-threshold-');
    await Promise.all(MODULES.map((name, i) => tn.startModule(name, i + 1)));
    await tn.adminLedger.setPolicy({ keyId: 'k-dkg', t: 3, n: 5, minTrust: 100 });
    await tn.adminLedger.setPolicy({ keyId: 'k-deal', t: 2, n: 3, minTrust: 100 });
  });

  afterAll(async () => {
    await tn?.stop();
  });

  it('runs a 3-of-5 DKG: every module holds a share of epoch 1 and the ledger has the commitments', async () => {
    const outcome = await tn.service.keygen(tn.adminLedger, { keyId: 'k-dkg' });
    groupKey = outcome.groupPublicKey;
    expect(outcome).toMatchObject({ keyId: 'k-dkg', epoch: 1, mode: 'dkg', t: 3, n: 5 });
    const commitments = await tn.orchestratorLedger.commitments('k-dkg');
    expect(commitments.commitments[0]).toBe(groupKey);
    expect(commitments.commitments).toHaveLength(3);
    expect(Object.keys(commitments.verifyingShares ?? {}).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect((await tn.orchestratorLedger.shareAcknowledgements('k-dkg', 1)).complete).toBe(true);
    for (const name of MODULES) {
      expect((await health(name)).keys).toEqual([{ keyId: 'k-dkg', epochs: [1] }]);
    }
  });

  it('signs 3-of-5 across processes: node:crypto Ed25519 and JWS EdDSA verify; the session is closed on the ledger', async () => {
    const signed = await sign('hello threshold');
    expect(verify(null, Buffer.from('hello threshold'), ed25519KeyObject(groupKey), signed.signature)).toBe(
      true,
    );
    expect(signed.signers).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(signed.cheaters).toEqual([]);
    const session = await tn.orchestratorLedger.session(signed.sessionId);
    expect(session).toMatchObject({ status: 'closed', outcome: 'success', coordinator: signed.coordinator });
    expect([...(session.responders ?? [])].sort()).toEqual([...signed.signers].sort());

    const header = { alg: 'EdDSA', kid: 'k-dkg', typ: 'JWT' };
    const { input, jwk } = jwsOf(groupKey, header, { sub: 'threshold', iat: 1 });
    const jws = await tn.service.sign(tn.orchestratorLedger, { keyId: 'k-dkg', message: input });
    const token = `${input.toString()}.${jws.signature.toString('base64url')}`;
    const verified = await compactVerify(token, await importJWK(jwk, 'EdDSA'));
    expect(JSON.parse(Buffer.from(verified.payload).toString())).toEqual({ sub: 'threshold', iat: 1 });
  });

  it('runs a 2-of-3 dealer ceremony on three modules, and its key signs', async () => {
    const outcome = await tn.service.keygen(tn.adminLedger, {
      keyId: 'k-deal',
      mode: 'dealer',
      modules: ['m1', 'm2', 'm3'],
      dealer: 'm2',
    });
    expect(outcome).toMatchObject({ mode: 'dealer', t: 2, n: 3 });
    const signed = await sign('dealt', 'k-deal');
    expect(
      verify(null, Buffer.from('dealt'), ed25519KeyObject(outcome.groupPublicKey), signed.signature),
    ).toBe(true);
    expect(signed.signers).toEqual(['m1', 'm2', 'm3']);
    expect((await tn.orchestratorLedger.commitments('k-deal')).dealer).toBe('m2');
  });

  it('never asks a quarantined module', async () => {
    await tn.adminLedger.reportTamper({
      moduleId: 'm1',
      evidenceDigest: createHash('sha256').update('m1 case opened').digest('hex'),
      description: 'test: case opened',
    });
    const signed = await sign('without m1');
    const session = await tn.orchestratorLedger.session(signed.sessionId);
    expect(session.eligible.map((entry) => entry.moduleId)).not.toContain('m1');
    expect(signed.signers).not.toContain('m1');
    await tn.adminLedger.clearQuarantine('m1', 'inspected');
  });

  it('reports a late module on the ledger and signs without it', async () => {
    await tn.setFaults('m4', ['late']);
    const signed = await sign('slow one');
    expect(verify(null, Buffer.from('slow one'), ed25519KeyObject(groupKey), signed.signature)).toBe(true);
    expect(signed.signers).not.toContain('m4');
    expect(signed.late).toContain('m4');
    const session = await tn.orchestratorLedger.session(signed.sessionId);
    expect(session.late).toContain('m4');
    await tn.setFaults('m4', []);
  });

  it('still signs with one module stopped', async () => {
    await tn.stopModule('m5');
    const signed = await sign('one down');
    expect(verify(null, Buffer.from('one down'), ed25519KeyObject(groupKey), signed.signature)).toBe(true);
    expect(signed.signers).not.toContain('m5');
    await tn.startModule('m5', 5);
  });

  it('a killed coordinator: its session times out on the ledger and a new session signs', async () => {
    const message = Buffer.from('coordinator dies');
    const session = await tn.orchestratorLedger.openSession({
      sessionId: 'killed-coordinator',
      keyId: 'k-dkg',
      kind: 'sign',
      messageDigest: createHash('sha256').update(message).digest('hex'),
      purpose: 'test',
      ttlSeconds: 2,
    });
    const coordinator = session.coordinator;
    await tn.stopModule(coordinator);
    const failed = await tn.caller
      .call(coordinator, 'POST', MODULE_PATHS.coordinate, {
        sessionId: session.sessionId,
        message: message.toString('base64'),
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await tn.orchestratorLedger.expireSession(session.sessionId);
    expect(await tn.orchestratorLedger.session(session.sessionId)).toMatchObject({
      status: 'closed',
      outcome: 'expired',
    });
    const signed = await tn.service.sign(tn.orchestratorLedger, { keyId: 'k-dkg', message });
    expect(signed.coordinator).not.toBe(coordinator);
    expect(verify(null, message, ed25519KeyObject(groupKey), signed.signature)).toBe(true);
    await tn.startModule(coordinator, MODULES.indexOf(coordinator as (typeof MODULES)[number]) + 1);
  });

  it('break-glass: opens an escrow only through a ledger session, naming a module that sends a bad share', async () => {
    const escrow = await tn.service.escrow(
      tn.orchestratorLedger,
      'k-dkg',
      Buffer.from('escrowed key bytes'),
      'escrow/test',
    );
    await tn.setFaults('m3', ['bad-secret-share']);
    const opened = await tn.service.unwrap(tn.orchestratorLedger, 'k-dkg', escrow, 'escrow/test');
    expect(opened.result.toString()).toBe('escrowed key bytes');
    const session = await tn.orchestratorLedger.session(opened.sessionId);
    expect(session).toMatchObject({ kind: 'reconstruct', status: 'closed', outcome: 'success' });
    if (session.eligible.some((entry) => entry.moduleId === 'm3')) {
      expect(opened.cheaters).toEqual(['m3']);
      expect(session.cheaters).toEqual(['m3']);
    }
    await tn.setFaults('m3', []);
    const wrongContext = await tn.service
      .unwrap(tn.orchestratorLedger, 'k-dkg', escrow, 'escrow/other')
      .catch((error: unknown) => error);
    expect(wrongContext).toBeInstanceOf(Error);

    const a = await tn.service.deriveKey(tn.orchestratorLedger, 'k-dkg', 'backup', 7);
    const b = await tn.service.deriveKey(tn.orchestratorLedger, 'k-dkg', 'backup', 7);
    const c = await tn.service.deriveKey(tn.orchestratorLedger, 'k-dkg', 'backup', 8);
    expect(a.result.equals(b.result)).toBe(true);
    expect(a.result.equals(c.result)).toBe(false);
    expect(a.result).toHaveLength(32);
  });

  it('refreshes the shares under the same public key; old shares are deleted, and a replayed old share is named', async () => {
    await tn.setFaults('m4', ['old-epoch-share']);
    const refreshed = await tn.service.refresh(tn.adminLedger, 'k-dkg');
    expect(refreshed).toMatchObject({ epoch: 2, groupPublicKey: groupKey, mode: 'refresh' });
    const epoch2 = await tn.orchestratorLedger.commitments('k-dkg');
    const epoch1 = await tn.orchestratorLedger.commitments('k-dkg', 1);
    expect(epoch2.commitments[0]).toBe(epoch1.commitments[0]);
    expect(epoch2.verifyingShares).not.toEqual(epoch1.verifyingShares);
    const epochsOf = async (name: string): Promise<number[] | undefined> =>
      (await health(name)).keys.find((entry) => entry.keyId === 'k-dkg')?.epochs;
    for (const name of ['m1', 'm2', 'm3', 'm5']) {
      expect(await epochsOf(name)).toEqual([2]);
    }
    // m4 was told to keep (and replay) its old share: forgetting is each module's own act.
    expect(await epochsOf('m4')).toEqual([1, 2]);
    let named;
    for (let i = 0; i < 6 && named === undefined; i += 1) {
      const signed = await sign(`after refresh ${i}`);
      expect(
        verify(null, Buffer.from(`after refresh ${i}`), ed25519KeyObject(groupKey), signed.signature),
      ).toBe(true);
      expect(signed.epoch).toBe(2);
      if (signed.cheaters.includes('m4')) {
        named = signed;
      }
    }
    expect(named?.cheaters).toEqual(['m4']);
    await tn.setFaults('m4', []);
  });

  it('names a module sending a bad signature share on the ledger, drops its trust, and still signs', async () => {
    await tn.setFaults('m2', ['bad-signature-share']);
    const before = await score('m2');
    let named;
    // m2 is among the first t signers only when its trust ranks it there; try until it was asked.
    for (let i = 0; i < 6 && named === undefined; i += 1) {
      const signed = await sign(`cheat ${i}`);
      expect(verify(null, Buffer.from(`cheat ${i}`), ed25519KeyObject(groupKey), signed.signature)).toBe(
        true,
      );
      if (signed.cheaters.includes('m2')) {
        named = signed;
      }
    }
    expect(named?.cheaters).toEqual(['m2']);
    expect(named?.signers).not.toContain('m2');
    const session = await tn.orchestratorLedger.session(named?.sessionId ?? '');
    expect(session.cheaters).toEqual(['m2']);
    expect(await score('m2')).toBeLessThan(before - 300);
    await tn.setFaults('m2', []);
  });

  it('fails with a clear error naming the cheaters when fewer than t honest modules remain', async () => {
    await Promise.all(['m1', 'm2', 'm3'].map((name) => tn.setFaults(name, ['bad-signature-share'])));
    const failed = await sign('too few').catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ThresholdOperationError);
    expect((failed as Error).message).toMatch(/of the t = 3 modules needed answered|no signature/);
    expect((failed as ThresholdOperationError).cheaters.length).toBeGreaterThan(0);
    await Promise.all(['m1', 'm2', 'm3'].map((name) => tn.setFaults(name, [])));
  });
});
