import { sign } from 'node:crypto';
import { sessionResponseMessage, type ThresholdSession } from '../../src/protocol/threshold';
import type { ChaincodeHarness, TxResult } from '../support/harness';
import type { TestIdentity } from '../support/identities';
import {
  attest,
  createCast,
  fixture,
  hex,
  HOUR,
  MINUTE,
  newHarness,
  register,
  setUpKey,
  type Cast,
  type ModuleFixture,
} from './fixtures';

const OPEN = 'TrustDomain:OpenSession';
const RESPOND = 'TrustDomain:RecordResponse';
const CLOSE = 'TrustDomain:CloseSession';
const EXPIRE = 'TrustDomain:ExpireSession';
const SET_POLICY = 'TrustDomain:SetThresholdPolicy';

interface SessionView extends ThresholdSession {
  responses: { moduleId: string; responseDigest: string; signature?: string }[];
}

interface Breakdown {
  score: number;
  anomalyPenalty: number;
}

/** A module's response as it signs it for the coordinator to relay. */
function relayed(
  module: ModuleFixture,
  sessionId = 's-1',
  responseDigest = hex(`share-of-${module.moduleId}-${sessionId}`),
): { moduleId: string; responseDigest: string; signature: string } {
  const data = Buffer.from(sessionResponseMessage(sessionId, module.moduleId, responseDigest), 'utf8');
  const signature =
    module.keys.keyType === 'ed25519'
      ? sign(null, data, module.keys.privateKey)
      : sign('sha256', data, { key: module.keys.privateKey, dsaEncoding: 'der' });
  return { moduleId: module.moduleId, responseDigest, signature: signature.toString('base64') };
}

function closeInput(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ sessionId: 's-1', outcome: 'success', cheaters: [], reason: 'done', ...changes });
}

describe('TrustDomain session close in one transaction, expiry and freshness', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;
  let modules: ModuleFixture[];

  const mod = (n: number): ModuleFixture => {
    const found = modules[n - 1];
    if (found === undefined) {
      throw new Error(`no module ${n}`);
    }
    return found;
  };
  const open = (changes: Record<string, unknown> = {}): Promise<TxResult<ThresholdSession>> =>
    harness.submit<ThresholdSession>(
      cast.orchestrator,
      OPEN,
      JSON.stringify({
        sessionId: 's-1',
        keyId: 'master-1',
        kind: 'reconstruct',
        purpose: 'test',
        ...changes,
      }),
    );
  const breakdown = async (moduleId: string): Promise<Breakdown> =>
    (await harness.evaluate<Breakdown>(cast.auditor, 'TrustDomain:GetTrustScore', moduleId)).value;
  const ownerOf = (moduleId: string): TestIdentity => {
    const found = modules.find((m) => m.moduleId === moduleId);
    if (found === undefined) {
      throw new Error(`no module ${moduleId}`);
    }
    return found.owner;
  };

  beforeAll(async () => {
    cast = await createCast(6);
  });

  /** hsm-1..4 attested (score 800), hsm-5 never attested (200); key master-1: t = 3, n = 5, minTrust 500. */
  beforeEach(async () => {
    harness = newHarness(cast);
    modules = [1, 2, 3, 4, 5].map((n) => fixture(cast, n));
    for (const module of modules) {
      await register(harness, cast, module);
    }
    for (const module of modules.slice(0, 4)) {
      await attest(harness, module);
    }
    await setUpKey(harness, cast, { keyId: 'master-1', t: 3, n: 5, minTrust: 500 });
  });

  it('sessionResponseMessage is the canonical JSON of the three fields', () => {
    expect(sessionResponseMessage('s-1', 'hsm-1', 'ab')).toBe(
      '{"moduleId":"hsm-1","responseDigest":"ab","sessionId":"s-1"}',
    );
  });

  describe('OpenSession ttlSeconds and policy attestationMaxAgeSeconds', () => {
    it('uses ttlSeconds for expiresAt (default 600 s) and bounds it to 1..600', async () => {
      const tx = await open({ ttlSeconds: 60 });
      expect(tx.value.expiresAt).toBe(harness.now + 60_000);
      for (const ttlSeconds of [0, 601, 1.5]) {
        await harness.expectRejected(
          cast.orchestrator,
          OPEN,
          [
            JSON.stringify({
              sessionId: 's-2',
              keyId: 'master-1',
              kind: 'reconstruct',
              purpose: 'x',
              ttlSeconds,
            }),
          ],
          'INVALID_ARGUMENT',
        );
      }
    });

    it('excludes modules whose attestation is older than the policy allows, failing closed', async () => {
      const policy = await harness.submit<Record<string, unknown>>(
        cast.admin,
        SET_POLICY,
        JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 0, attestationMaxAgeSeconds: HOUR / 1000 }),
      );
      expect(policy.value).toMatchObject({ attestationMaxAgeSeconds: 3600 });
      expect(policy.event?.payload).toMatchObject({ attestationMaxAgeSeconds: 3600 });
      // minTrust 0 would admit the never-attested hsm-5; the freshness rule does not.
      expect((await open()).value.eligible.map((e) => e.moduleId)).toEqual([
        'hsm-1',
        'hsm-2',
        'hsm-3',
        'hsm-4',
      ]);
      harness.advance(2 * HOUR);
      const message = await harness.expectRejected(
        cast.orchestrator,
        OPEN,
        [JSON.stringify({ sessionId: 's-2', keyId: 'master-1', kind: 'reconstruct', purpose: 'x' })],
        'CONFLICT',
      );
      expect(message).toMatch(/only 0 module/);
      for (const n of [1, 3, 5]) {
        await attest(harness, mod(n));
      }
      const fresh = await open({ sessionId: 's-3' });
      expect(fresh.value.eligible.map((e) => e.moduleId).sort()).toEqual(['hsm-1', 'hsm-3', 'hsm-5']);
    });

    it('bounds attestationMaxAgeSeconds to 60 s .. 7 days', async () => {
      for (const attestationMaxAgeSeconds of [59, 7 * 86_400 + 1]) {
        await harness.expectRejected(
          cast.admin,
          SET_POLICY,
          [JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 0, attestationMaxAgeSeconds })],
          'INVALID_ARGUMENT',
        );
      }
    });
  });

  describe('CloseSession with relayed responses and late modules', () => {
    it('records signed responses and closes in one transaction', async () => {
      const session = (await open()).value;
      const coordinator = ownerOf(session.coordinator);
      const responses = [mod(3), mod(1), mod(2)].map((m) => relayed(m));
      const tx = await harness.submit<{
        session: ThresholdSession;
        participants: { moduleId: string; ok: boolean }[];
      }>(coordinator, CLOSE, closeInput({ responses }));
      expect(tx.value.session).toMatchObject({
        status: 'closed',
        outcome: 'success',
        responders: ['hsm-1', 'hsm-2', 'hsm-3'],
      });
      expect(tx.value.participants.map((p) => [p.moduleId, p.ok])).toEqual([
        ['hsm-1', true],
        ['hsm-2', true],
        ['hsm-3', true],
      ]);
      expect(tx.event).toMatchObject({
        name: 'SessionClosed',
        payload: { outcome: 'success', responders: ['hsm-1', 'hsm-2', 'hsm-3'] },
      });
      const view = await harness.evaluate<SessionView>(cast.auditor, 'TrustDomain:GetSession', 's-1');
      expect(view.value.responses).toEqual(
        responses
          .sort((a, b) => (a.moduleId < b.moduleId ? -1 : 1))
          .map((r) => expect.objectContaining({ ...r, recordedAt: harness.now - 1000, txId: tx.txId })),
      );
    });

    it('keeps responses already recorded by RecordResponse and adds the relayed rest', async () => {
      await open();
      const own = JSON.stringify({ sessionId: 's-1', moduleId: 'hsm-1', responseDigest: hex('own') });
      await harness.submit(mod(1).owner, RESPOND, own);
      const tx = await harness.submit<{ session: ThresholdSession }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ responses: [relayed(mod(1)), relayed(mod(2)), relayed(mod(4))] }),
      );
      expect(tx.value.session.responders).toEqual(['hsm-1', 'hsm-2', 'hsm-4']);
      const view = await harness.evaluate<SessionView>(cast.auditor, 'TrustDomain:GetSession', 's-1');
      expect(view.value.responses.find((r) => r.moduleId === 'hsm-1')).toMatchObject({
        responseDigest: hex('own'),
      });
      expect(view.value.responses.find((r) => r.moduleId === 'hsm-1')).not.toHaveProperty('signature');
    });

    it('refuses a bad signature naming the module, and modules outside the eligible set', async () => {
      await open();
      const forged = { ...relayed(mod(2)), responseDigest: hex('other') };
      const bad = await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ outcome: 'failure', responses: [relayed(mod(1)), forged] })],
        'INVALID_ARGUMENT',
      );
      expect(bad).toMatch(/response signature of module hsm-2 does not verify/);
      const replayed = await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ outcome: 'failure', responses: [relayed(mod(1), 's-0')] })],
        'INVALID_ARGUMENT',
      );
      expect(replayed).toMatch(/hsm-1/);
      const outsider = await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ outcome: 'failure', responses: [relayed(mod(5))] })],
        'CONFLICT',
      );
      expect(outsider).toMatch(/hsm-5 is not in the eligible set/);
      await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ outcome: 'failure', responses: [relayed(mod(1)), relayed(mod(1))] })],
        'INVALID_ARGUMENT',
      );
    });

    it('gives late modules a late anomaly; late must be eligible non-responders', async () => {
      await open();
      const before = await breakdown('hsm-4');
      for (const late of [['hsm-1'], ['hsm-5'], ['hsm-4', 'hsm-4']]) {
        await harness.expectRejected(
          cast.orchestrator,
          CLOSE,
          [closeInput({ responses: [mod(1), mod(2), mod(3)].map((m) => relayed(m)), late })],
          late.length === 2 ? 'INVALID_ARGUMENT' : 'CONFLICT',
        );
      }
      const tx = await harness.submit<{
        session: ThresholdSession;
        late: { moduleId: string; score: number }[];
      }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ responses: [mod(1), mod(2), mod(3)].map((m) => relayed(m)), late: ['hsm-4'] }),
      );
      const after = await breakdown('hsm-4');
      expect(before.anomalyPenalty).toBe(0);
      expect(after.anomalyPenalty).toBe(80);
      expect(tx.value.session.late).toEqual(['hsm-4']);
      expect(tx.value.late).toEqual([{ moduleId: 'hsm-4', score: before.score - 80 }]);
      expect(tx.event?.payload).toMatchObject({ late: ['hsm-4'] });
      const events = await harness.evaluate<{ items: Record<string, unknown>[] }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-4',
        '10',
        '',
      );
      expect(events.value.items).toContainEqual(
        expect.objectContaining({ kind: 'anomaly', anomalyKind: 'late', severity: 2, sessionId: 's-1' }),
      );
    });

    it('closes as failure with fewer than t honest responses', async () => {
      await open();
      const tx = await harness.submit<{ session: ThresholdSession }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ outcome: 'failure', responses: [relayed(mod(1))], cheaters: ['hsm-1'] }),
      );
      expect(tx.value.session).toMatchObject({
        outcome: 'failure',
        responders: ['hsm-1'],
        cheaters: ['hsm-1'],
      });
    });
  });

  describe('ExpireSession', () => {
    it('refuses before expiry, then closes as expired and penalises the coordinator', async () => {
      const session = (await open({ ttlSeconds: 60 })).value;
      await harness.submit(
        mod(1).owner,
        RESPOND,
        JSON.stringify({ sessionId: 's-1', moduleId: 'hsm-1', responseDigest: hex('r1') }),
      );
      const early = await harness.expectRejected(cast.orchestrator, EXPIRE, ['s-1'], 'CONFLICT');
      expect(early).toMatch(/cannot expire before/);
      const before = await breakdown(session.coordinator);
      harness.advance(MINUTE);
      await harness.expectRejected(cast.auditor, EXPIRE, ['s-1'], 'FORBIDDEN');
      const tx = await harness.submit<{
        session: ThresholdSession;
        coordinator: { moduleId: string; score: number };
      }>(mod(5).owner, EXPIRE, 's-1');
      expect(tx.value.session).toMatchObject({
        status: 'closed',
        outcome: 'expired',
        responders: ['hsm-1'],
        closedAt: harness.now,
      });
      expect(tx.event).toEqual({
        name: 'SessionClosed',
        payload: {
          sessionId: 's-1',
          keyId: 'master-1',
          outcome: 'expired',
          cheaters: [],
          responders: ['hsm-1'],
          coordinator: session.coordinator,
          closedAt: tx.value.session.closedAt,
          txId: tx.txId,
        },
      });
      const after = await breakdown(session.coordinator);
      expect(after.anomalyPenalty - before.anomalyPenalty).toBe(120);
      expect(tx.value.coordinator).toEqual({ moduleId: session.coordinator, score: after.score });
      await harness.expectRejected(cast.orchestrator, EXPIRE, ['s-1'], 'CONFLICT');
      await harness.expectRejected(cast.orchestrator, CLOSE, [closeInput()], 'CONFLICT');
      await harness.expectRejected(cast.orchestrator, EXPIRE, ['s-9'], 'NOT_FOUND');
    });

    it('passes over a timed-out coordinator in the next draws, which it still answers in', async () => {
      const first = (await open({ ttlSeconds: 1 })).value;
      harness.advance(2_000);
      await harness.submit(cast.orchestrator, EXPIRE, 's-1');
      for (let i = 2; i <= 12; i += 1) {
        const next = (await open({ sessionId: `s-${i}` })).value;
        expect(next.coordinator).not.toBe(first.coordinator);
        expect(next.eligible.map((entry) => entry.moduleId)).toContain(first.coordinator);
      }
    });
  });
});
