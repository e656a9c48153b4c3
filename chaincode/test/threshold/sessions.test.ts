import { chooseCoordinator } from '../../src/contracts/threshold';
import type { ThresholdSession } from '../../src/protocol/threshold';
import type { ChaincodeHarness, TxResult } from '../support/harness';
import type { TestIdentity } from '../support/identities';
import {
  attest,
  createCast,
  curvePoints,
  fixture,
  hex,
  MINUTE,
  newHarness,
  register,
  score,
  setUpKey,
  type Cast,
  type ModuleFixture,
} from './fixtures';

const OPEN = 'TrustDomain:OpenSession';
const RESPOND = 'TrustDomain:RecordResponse';
const CLOSE = 'TrustDomain:CloseSession';

interface SessionView extends ThresholdSession {
  expired: boolean;
  responses: { moduleId: string; responseDigest: string }[];
}

function openInput(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({
    sessionId: 's-1',
    keyId: 'master-1',
    kind: 'reconstruct',
    purpose: 'rewrap backup',
    ...changes,
  });
}

function responseInput(moduleId: string, sessionId = 's-1'): string {
  return JSON.stringify({ sessionId, moduleId, responseDigest: hex(`share-of-${moduleId}-${sessionId}`) });
}

function closeInput(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({
    sessionId: 's-1',
    outcome: 'success',
    cheaters: [],
    reason: 'key reconstructed',
    ...changes,
  });
}

describe('TrustDomain threshold sessions', () => {
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
  const ownerOf = (moduleId: string): TestIdentity => {
    const found = modules.find((m) => m.moduleId === moduleId);
    if (found === undefined) {
      throw new Error(`no module ${moduleId}`);
    }
    return found.owner;
  };
  const respond = (n: number, sessionId = 's-1'): Promise<TxResult> =>
    harness.submit(mod(n).owner, RESPOND, responseInput(mod(n).moduleId, sessionId));
  const open = (changes: Record<string, unknown> = {}): Promise<TxResult<ThresholdSession>> =>
    harness.submit<ThresholdSession>(cast.orchestrator, OPEN, openInput(changes));

  beforeAll(async () => {
    cast = await createCast(6);
  });

  /** hsm-1..4 attested (score 800), hsm-5 never attested (200, below minTrust 500); key master-1: t = 3, n = 5. */
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

  describe('OpenSession', () => {
    it('opens a session over the trusted modules with a deterministic coordinator; SessionOpened', async () => {
      const tx = await open();
      const session = tx.value;
      const eligible = ['hsm-1', 'hsm-2', 'hsm-3', 'hsm-4'].map((moduleId, i) => ({
        moduleId,
        shareIndex: i + 1,
        score: 800,
      }));
      const expected = chooseCoordinator(eligible, tx.txId, 's-1').moduleId;
      expect(session).toEqual({
        sessionId: 's-1',
        keyId: 'master-1',
        kind: 'reconstruct',
        purpose: 'rewrap backup',
        status: 'open',
        curve: 'ed25519',
        commitmentsEpoch: 1,
        threshold: 3,
        minTrust: 500,
        eligible,
        coordinator: expected,
        coordinatorOwner: { mspId: ownerOf(expected).mspId, fingerprint: ownerOf(expected).fingerprint },
        openedAt: harness.now,
        openedBy: `${cast.orchestrator.mspId}/${cast.orchestrator.fingerprint}`,
        expiresAt: harness.now + 10 * MINUTE,
        openTxId: tx.txId,
      });
      expect(tx.event).toEqual({
        name: 'SessionOpened',
        payload: {
          sessionId: 's-1',
          keyId: 'master-1',
          kind: 'reconstruct',
          commitmentsEpoch: 1,
          coordinator: expected,
          eligible: ['hsm-1', 'hsm-2', 'hsm-3', 'hsm-4'],
          threshold: 3,
          expiresAt: harness.now + 10 * MINUTE,
          txId: tx.txId,
        },
      });
    });

    it('orders the eligible set by score and draws the coordinator from it, deterministically per tx id', async () => {
      // Give hsm-4 and hsm-2 better participation records so the scores differ.
      for (const [moduleId, sessionId] of [
        ['hsm-4', 'dkg-1'],
        ['hsm-4', 'dkg-2'],
        ['hsm-2', 'dkg-1'],
      ] as const) {
        await harness.submit(
          cast.orchestrator,
          'TrustDomain:RecordParticipation',
          JSON.stringify({ moduleId, sessionId, ok: true }),
        );
      }
      const coordinators = new Set<string>();
      for (let i = 0; i < 12; i += 1) {
        const tx = await harness.submit<ThresholdSession>(
          cast.admin,
          OPEN,
          openInput({ sessionId: `s-${i}` }),
        );
        expect(tx.value.eligible.map((e) => [e.moduleId, e.score])).toEqual([
          ['hsm-4', 900],
          ['hsm-2', 866],
          ['hsm-1', 800],
          ['hsm-3', 800],
        ]);
        expect(tx.value.coordinator).toBe(chooseCoordinator(tx.value.eligible, tx.txId, `s-${i}`).moduleId);
        coordinators.add(tx.value.coordinator);
      }
      expect(coordinators.has('hsm-5')).toBe(false);
    });

    it('opens a signing session, which needs a message digest', async () => {
      const digest = hex('message to sign');
      const tx = await open({ kind: 'sign', messageDigest: digest });
      expect(tx.value).toMatchObject({ kind: 'sign', messageDigest: digest });
      const message = await harness.expectRejected(
        cast.orchestrator,
        OPEN,
        [openInput({ sessionId: 's-2', kind: 'sign' })],
        'INVALID_ARGUMENT',
      );
      expect(message).toMatch(/messageDigest: is required for a signing session/);
    });

    it('draws only from the share holders the latest epoch names', async () => {
      await harness.submit(
        cast.admin,
        'TrustDomain:PublishCommitments',
        JSON.stringify({
          keyId: 'master-1',
          epoch: 2,
          curve: 'ed25519',
          commitments: curvePoints('ed25519', 3),
          shareIndices: [1, 2, 3, 5, 6],
        }),
      );
      const tx = await open();
      expect(tx.value.commitmentsEpoch).toBe(2);
      expect(tx.value.eligible.map((e) => e.moduleId)).toEqual(['hsm-1', 'hsm-2', 'hsm-3']);
    });

    it('excludes quarantined modules even at minTrust 0', async () => {
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 0 }),
      );
      await harness.submit(
        cast.auditor,
        'TrustDomain:ReportTamper',
        JSON.stringify({ moduleId: 'hsm-2', evidenceDigest: hex('t'), description: 'seal broken' }),
      );
      const tx = await open();
      expect(tx.value.eligible.map((e) => e.moduleId)).toEqual(['hsm-1', 'hsm-3', 'hsm-4', 'hsm-5']);
    });

    it('refuses when fewer than t modules are trusted enough', async () => {
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 900 }),
      );
      const message = await harness.expectRejected(cast.orchestrator, OPEN, [openInput()], 'CONFLICT');
      expect(message).toMatch(
        /only 0 module\(s\) of key master-1 are active with a trust score ≥ 900; threshold t = 3 needs 3/,
      );
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 500 }),
      );
      for (const moduleId of ['hsm-1', 'hsm-2']) {
        await harness.submit(
          cast.auditor,
          'TrustDomain:ReportTamper',
          JSON.stringify({ moduleId, evidenceDigest: hex(moduleId), description: 'seal broken' }),
        );
      }
      const few = await harness.expectRejected(cast.orchestrator, OPEN, [openInput()], 'CONFLICT');
      expect(few).toMatch(/only 2 module\(s\)/);
    });

    it('refuses when the policy threshold no longer matches the latest epoch', async () => {
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-1', t: 2, n: 5, minTrust: 500 }),
      );
      const message = await harness.expectRejected(cast.orchestrator, OPEN, [openInput()], 'CONFLICT');
      expect(message).toMatch(/epoch 1 was shared with t = 3 but the policy requires t = 2/);
    });

    it('needs a policy and commitments for the key', async () => {
      await harness.expectRejected(cast.orchestrator, OPEN, [openInput({ keyId: 'other' })], 'NOT_FOUND');
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'other', t: 2, n: 3, minTrust: 0 }),
      );
      const message = await harness.expectRejected(
        cast.orchestrator,
        OPEN,
        [openInput({ keyId: 'other' })],
        'NOT_FOUND',
      );
      expect(message).toMatch(/commitments of key other not found/);
    });

    it('rejects a duplicate session id, wrong roles and malformed input', async () => {
      await open();
      await harness.expectRejected(cast.admin, OPEN, [openInput()], 'CONFLICT');
      for (const who of [cast.auditor, mod(1).owner, cast.validator, cast.outsider]) {
        await harness.expectRejected(who, OPEN, [openInput({ sessionId: 's-2' })], 'FORBIDDEN');
      }
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ kind: 'decrypt' }, /kind/],
        [{ purpose: '' }, /purpose/],
        [{ sessionId: '-x' }, /sessionId/],
        [{ messageDigest: 'zz' }, /messageDigest/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.orchestrator,
          OPEN,
          [openInput({ sessionId: 's-2', ...change })],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
    });
  });

  describe('RecordResponse', () => {
    beforeEach(async () => {
      await open();
    });

    it('records responses and counts them against the threshold; SessionResponseRecorded', async () => {
      const first = await respond(1);
      expect(first.value).toMatchObject({
        sessionId: 's-1',
        moduleId: 'hsm-1',
        responseDigest: hex('share-of-hsm-1-s-1'),
        recordedAt: harness.now,
        count: 1,
        threshold: 3,
        thresholdReached: false,
      });
      expect(first.event).toEqual({
        name: 'SessionResponseRecorded',
        payload: {
          sessionId: 's-1',
          moduleId: 'hsm-1',
          responseDigest: hex('share-of-hsm-1-s-1'),
          count: 1,
          threshold: 3,
          txId: first.txId,
        },
      });
      expect((await respond(2)).event?.payload).toMatchObject({ count: 2, threshold: 3 });
      const third = await respond(4);
      expect(third.value).toMatchObject({ count: 3, thresholdReached: true });
      const session = await harness.evaluate<SessionView>(cast.auditor, 'TrustDomain:GetSession', 's-1');
      expect(session.value.responses.map((r) => r.moduleId)).toEqual(['hsm-1', 'hsm-2', 'hsm-4']);
      expect(session.value.expired).toBe(false);
    });

    it('accepts one response per module', async () => {
      await respond(1);
      const message = await harness.expectRejected(
        mod(1).owner,
        RESPOND,
        [responseInput('hsm-1')],
        'CONFLICT',
      );
      expect(message).toMatch(/hsm-1 already responded in session s-1/);
    });

    it('accepts the module owner only', async () => {
      await harness.expectRejected(mod(2).owner, RESPOND, [responseInput('hsm-1')], 'FORBIDDEN');
      for (const who of [cast.admin, cast.orchestrator, cast.auditor]) {
        await harness.expectRejected(who, RESPOND, [responseInput('hsm-1')], 'FORBIDDEN');
      }
    });

    it('refuses responses after expiry', async () => {
      harness.advance(10 * MINUTE - 1000);
      await respond(1); // exactly at expiresAt
      harness.advance(1);
      const message = await harness.expectRejected(
        mod(2).owner,
        RESPOND,
        [responseInput('hsm-2')],
        'CONFLICT',
      );
      expect(message).toMatch(/session s-1 expired at/);
      const session = await harness.evaluate<SessionView>(cast.auditor, 'TrustDomain:GetSession', 's-1');
      expect(session.value.expired).toBe(true);
    });

    it('rejects unknown sessions and modules and malformed input', async () => {
      await harness.expectRejected(mod(1).owner, RESPOND, [responseInput('hsm-1', 's-9')], 'NOT_FOUND');
      await harness.expectRejected(mod(1).owner, RESPOND, [responseInput('hsm-9')], 'NOT_FOUND');
      const bad = JSON.stringify({ sessionId: 's-1', moduleId: 'hsm-1', responseDigest: 'abc' });
      const message = await harness.expectRejected(mod(1).owner, RESPOND, [bad], 'INVALID_ARGUMENT');
      expect(message).toMatch(/responseDigest/);
    });
  });

  describe('session by an untrusted module', () => {
    let session: ThresholdSession;

    beforeEach(async () => {
      session = (await open()).value;
    });

    it('leaves a module below minTrust out of the eligible set, and it can never coordinate', () => {
      expect(session.eligible.map((e) => e.moduleId)).not.toContain('hsm-5');
      expect(session.coordinator).not.toBe('hsm-5');
    });

    it('forbids a response from a module that was not trusted when the session opened', async () => {
      expect(await score(harness, cast.admin, 'hsm-5')).toBe(200);
      const message = await harness.expectRejected(
        mod(5).owner,
        RESPOND,
        [responseInput('hsm-5')],
        'FORBIDDEN',
      );
      expect(message).toMatch(/module hsm-5 is not trusted for this session \(not in the eligible set\)/);
      // Attesting now raises its score, but it was not eligible when the session opened.
      await attest(harness, mod(5));
      await harness.expectRejected(mod(5).owner, RESPOND, [responseInput('hsm-5')], 'FORBIDDEN');
    });

    it('forbids a response from a module quarantined after the session opened', async () => {
      await harness.submit(
        cast.auditor,
        'TrustDomain:ReportTamper',
        JSON.stringify({ moduleId: 'hsm-2', evidenceDigest: hex('tamper'), description: 'mesh breach' }),
      );
      const message = await harness.expectRejected(
        mod(2).owner,
        RESPOND,
        [responseInput('hsm-2')],
        'FORBIDDEN',
      );
      expect(message).toMatch(/module hsm-2 is not trusted for this session \(status quarantined\)/);
    });

    it('forbids a response from a module whose score fell below minTrust after the session opened', async () => {
      for (const kind of ['bad-share', 'timeout']) {
        await harness.submit(
          cast.auditor,
          'TrustDomain:ReportAnomaly',
          JSON.stringify({ moduleId: 'hsm-3', kind, severity: 5 }),
        );
      }
      const message = await harness.expectRejected(
        mod(3).owner,
        RESPOND,
        [responseInput('hsm-3')],
        'FORBIDDEN',
      );
      expect(message).toMatch(/module hsm-3 is not trusted for this session \(score 400 < minTrust 500\)/);
    });

    it("forbids the untrusted module's owner from closing the session", async () => {
      await harness.expectRejected(mod(5).owner, CLOSE, [closeInput({ outcome: 'failure' })], 'FORBIDDEN');
    });
  });

  describe('CloseSession', () => {
    let session: ThresholdSession;

    beforeEach(async () => {
      session = (await open()).value;
    });

    it('closes with success by the coordinator owner and records participation; SessionClosed', async () => {
      await respond(1);
      await respond(2);
      await respond(3);
      const coordinatorOwner = ownerOf(session.coordinator);
      const tx = await harness.submit<{ session: SessionView; participants: unknown[] }>(
        coordinatorOwner,
        CLOSE,
        closeInput(),
      );
      expect(tx.value.session).toMatchObject({
        status: 'closed',
        outcome: 'success',
        cheaters: [],
        responders: ['hsm-1', 'hsm-2', 'hsm-3'],
        reason: 'key reconstructed',
        closedAt: harness.now,
        closedBy: `${coordinatorOwner.mspId}/${coordinatorOwner.fingerprint}`,
      });
      expect(tx.value.participants).toEqual([
        { moduleId: 'hsm-1', ok: true, cheater: false, score: 866 },
        { moduleId: 'hsm-2', ok: true, cheater: false, score: 866 },
        { moduleId: 'hsm-3', ok: true, cheater: false, score: 866 },
      ]);
      expect(tx.event).toEqual({
        name: 'SessionClosed',
        payload: {
          sessionId: 's-1',
          keyId: 'master-1',
          outcome: 'success',
          cheaters: [],
          responders: ['hsm-1', 'hsm-2', 'hsm-3'],
          closedAt: harness.now,
          txId: tx.txId,
        },
      });
      // Non-responders are not touched.
      expect(await score(harness, cast.admin, 'hsm-4')).toBe(800);
      const events = await harness.evaluate<{ items: { kind: string; sessionId?: string; ok?: boolean }[] }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-2',
        '10',
        '',
      );
      expect(events.value.items.map((e) => [e.kind, e.sessionId, e.ok])).toEqual([
        ['attestation', undefined, undefined],
        ['participation', 's-1', true],
      ]);
    });

    it('names cheaters: their score drops and their participation counts as failed', async () => {
      for (const n of [1, 2, 3, 4]) {
        await respond(n);
      }
      const before = await score(harness, cast.admin, 'hsm-2');
      expect(before).toBe(800);
      const tx = await harness.submit<{
        session: SessionView;
        participants: { moduleId: string; score: number }[];
      }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ cheaters: ['hsm-2'], reason: 'share of hsm-2 failed Feldman verification' }),
      );
      expect(tx.value.session.cheaters).toEqual(['hsm-2']);
      expect(tx.value.participants).toContainEqual({
        moduleId: 'hsm-2',
        ok: false,
        cheater: true,
        score: 333,
      });
      const after = await harness.evaluate<Record<string, unknown>>(
        cast.admin,
        'TrustDomain:GetTrustScore',
        'hsm-2',
      );
      expect(after.value).toMatchObject({ score: 333, cheaterPenalty: 400, participation: 133 });
      expect(after.value['score']).toBeLessThan(before);
      expect(after.value['inputs']).toMatchObject({
        cheaterReports: 1,
        participationFailed: 1,
        participationOk: 0,
      });
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(866);
      const events = await harness.evaluate<{ items: { kind: string; reason?: string }[] }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-2',
        '10',
        '',
      );
      expect(events.value.items[1]).toMatchObject({
        kind: 'cheater',
        reason: 'share of hsm-2 failed Feldman verification',
      });
      // Now below minTrust 500: it is left out of the next session.
      const next = await open({ sessionId: 's-2' });
      expect(next.value.eligible.map((e) => e.moduleId)).not.toContain('hsm-2');
    });

    it('requires t honest responses for success; failure may close with fewer', async () => {
      await respond(1);
      await respond(2);
      await respond(3);
      const message = await harness.expectRejected(
        cast.admin,
        CLOSE,
        [closeInput({ cheaters: ['hsm-3'] })],
        'CONFLICT',
      );
      expect(message).toMatch(/has 2 honest response\(s\); success needs threshold t = 3/);
      const tx = await harness.submit(
        cast.admin,
        CLOSE,
        closeInput({ outcome: 'failure', cheaters: ['hsm-3'] }),
      );
      expect(tx.event?.payload).toMatchObject({ outcome: 'failure', cheaters: ['hsm-3'] });
    });

    it('refuses success with fewer than t responses', async () => {
      await respond(1);
      await harness.expectRejected(cast.orchestrator, CLOSE, [closeInput()], 'CONFLICT');
    });

    it('refuses cheaters that did not take part', async () => {
      await respond(1);
      await respond(2);
      await respond(3);
      const eligibleSilent = await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ cheaters: ['hsm-4'] })],
        'CONFLICT',
      );
      expect(eligibleSilent).toMatch(/cheaters must be participants of session s-1; hsm-4 did not respond/);
      await harness.expectRejected(
        cast.orchestrator,
        CLOSE,
        [closeInput({ cheaters: ['hsm-5', 'hsm-9'] })],
        'CONFLICT',
      );
    });

    it('refuses closing twice, and responses after close', async () => {
      await harness.submit(cast.orchestrator, CLOSE, closeInput({ outcome: 'failure', reason: 'aborted' }));
      const message = await harness.expectRejected(
        cast.admin,
        CLOSE,
        [closeInput({ outcome: 'failure' })],
        'CONFLICT',
      );
      expect(message).toMatch(/session s-1 is already closed \(failure\)/);
      const late = await harness.expectRejected(mod(1).owner, RESPOND, [responseInput('hsm-1')], 'CONFLICT');
      expect(late).toMatch(/session s-1 is closed/);
    });

    it('closes an expired session', async () => {
      await respond(1);
      harness.advance(30 * MINUTE);
      const tx = await harness.submit<{ session: SessionView }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ outcome: 'failure', reason: 'timed out' }),
      );
      expect(tx.value.session.status).toBe('closed');
      const read = await harness.evaluate<SessionView>(cast.auditor, 'TrustDomain:GetSession', 's-1');
      expect(read.value).toMatchObject({ status: 'closed', expired: false, outcome: 'failure' });
    });

    it('accepts the coordinator owner, orchestrator or admin only', async () => {
      const others = modules.filter((m) => m.moduleId !== session.coordinator).map((m) => m.owner);
      for (const who of [...others, cast.auditor, cast.validator, cast.outsider]) {
        await harness.expectRejected(who, CLOSE, [closeInput({ outcome: 'failure' })], 'FORBIDDEN');
      }
      await harness.submit(cast.admin, CLOSE, closeInput({ outcome: 'failure' }));
    });

    it('rejects malformed input and unknown sessions', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ outcome: 'partial' }, /outcome/],
        [{ cheaters: ['hsm-1', 'hsm-1'] }, /cheaters: must not name a module twice/],
        [{ cheaters: 'hsm-1' }, /cheaters/],
        [{ reason: '' }, /reason/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          CLOSE,
          [closeInput(change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
      await harness.expectRejected(cast.admin, CLOSE, [closeInput({ sessionId: 's-9' })], 'NOT_FOUND');
    });

    it('does not let participation in a ledger session be recorded by hand', async () => {
      const message = await harness.expectRejected(
        cast.orchestrator,
        'TrustDomain:RecordParticipation',
        [JSON.stringify({ moduleId: 'hsm-1', sessionId: 's-1', ok: true })],
        'CONFLICT',
      );
      expect(message).toMatch(/recorded when it closes/);
    });

    it('does not count participation twice when it was already recorded under the same id', async () => {
      await harness.submit(
        cast.orchestrator,
        'TrustDomain:RecordParticipation',
        JSON.stringify({ moduleId: 'hsm-1', sessionId: 's-pre', ok: true }),
      );
      await open({ sessionId: 's-pre' });
      await respond(1, 's-pre');
      await respond(2, 's-pre');
      await respond(3, 's-pre');
      const tx = await harness.submit<{ participants: { moduleId: string; score: number }[] }>(
        cast.orchestrator,
        CLOSE,
        closeInput({ sessionId: 's-pre' }),
      );
      expect(tx.value.participants.map((p) => [p.moduleId, p.score])).toEqual([
        ['hsm-1', 866],
        ['hsm-2', 866],
        ['hsm-3', 866],
      ]);
      const trust = await harness.evaluate<{ inputs: Record<string, number> }>(
        cast.admin,
        'TrustDomain:GetTrustScore',
        'hsm-1',
      );
      expect(trust.value.inputs['participationOk']).toBe(1);
    });
  });

  describe('GetSession', () => {
    it('returns the session with its responses; needs a role; NOT_FOUND otherwise', async () => {
      await open();
      await respond(3);
      const { value } = await harness.evaluate<SessionView>(mod(3).owner, 'TrustDomain:GetSession', 's-1');
      expect(value).toMatchObject({ sessionId: 's-1', status: 'open', expired: false });
      expect(value.responses).toEqual([
        expect.objectContaining({ moduleId: 'hsm-3', responseDigest: hex('share-of-hsm-3-s-1') }),
      ]);
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetSession', 's-9')).rejects.toThrow(
        '[NOT_FOUND] session s-9 not found',
      );
      await expect(harness.evaluate(cast.outsider, 'TrustDomain:GetSession', 's-1')).rejects.toThrow(
        /FORBIDDEN/,
      );
    });
  });
});
