import type { RotationDue, RotationProposal } from '../../src/protocol/rotation';
import { seedMembers } from '../support/seed';
import {
  commitVersion,
  HOLD_MS,
  HOUR,
  policyJson,
  proposalJson,
  QUEUE,
  world,
  wrappedKeysFor,
  type World,
} from './fixtures';

const PROPOSE = 'KeyRotation:ProposeRotation';
const DUE = 'KeyRotation:IsRotationDue';
const COMPROMISE = 'KeyRotation:ReportCompromise';

function v2(w: World, overrides: Record<string, unknown> = {}): string {
  return proposalJson(w.frontends, { version: 2, keyId: 'orders-k2', keyCheckValue: '000002', ...overrides });
}

/** Sets the clock so that the next transaction runs at exactly `millis` (the harness adds 1 s per transaction). */
function nextTxAt(w: World, millis: number): void {
  w.harness.setTime(millis - 1000);
}

describe('KeyRotation rotation hold (minRotationIntervalMs)', () => {
  let w: World;
  let committedAt: number;

  beforeEach(async () => {
    w = await world(3);
    await commitVersion(w, 1);
    committedAt = w.harness.now;
  });

  it.each(['schedule', 'volume', 'manual'])(
    "refuses reason '%s' until minRotationIntervalMs after the commit, naming when, and changes nothing",
    async (reason) => {
      const nextAllowedAt = committedAt + HOLD_MS;
      nextTxAt(w, nextAllowedAt - 1);
      const message = await w.harness.expectRejected(w.val2, PROPOSE, [v2(w, { reason })], 'CONFLICT');
      expect(message).toBe(
        `[CONFLICT] queue ${QUEUE}: version 1 committed at ${new Date(committedAt).toISOString()}, ` +
          `less than minRotationIntervalMs (60000 ms) ago; the next rotation is allowed from ` +
          `${new Date(nextAllowedAt).toISOString()} (a compromised active version is replaced at once)`,
      );
      nextTxAt(w, nextAllowedAt);
      const proposed = await w.harness.submit<RotationProposal>(w.val2, PROPOSE, v2(w, { reason }));
      expect(proposed.value).toMatchObject({ version: 2, status: 'open', reason });
    },
  );

  it('reports a held rotation as not due, with nextAllowedAt, until the hold ends', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ maxMessages: 1 }));
    await w.harness.submit(
      w.fe1,
      'KeyRotation:ReportMessageVolume',
      JSON.stringify({
        queueId: QUEUE,
        version: 1,
        count: 1,
        windowStart: committedAt,
        windowEnd: committedAt,
      }),
    );
    const held = await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE);
    expect(held.value).toMatchObject({
      due: false,
      held: true,
      reasons: ['volume'],
      nextAllowedAt: committedAt + HOLD_MS,
      minRotationIntervalMs: HOLD_MS,
    });
    nextTxAt(w, committedAt + HOLD_MS);
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      held: false,
      reasons: ['volume'],
    });
  });

  it('is not held when nothing is due', async () => {
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      held: false,
      reasons: [],
      nextAllowedAt: committedAt + HOLD_MS,
    });
  });

  it('never holds back the replacement of a compromised active version, whatever reason it states', async () => {
    await w.harness.submit(w.fe1, COMPROMISE, JSON.stringify({ queueId: QUEUE, version: 1, reason: 'leak' }));
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      held: false,
      reasons: ['compromise'],
    });
    const proposed = await w.harness.submit<RotationProposal>(
      w.val2,
      PROPOSE,
      v2(w, { reason: 'compromise' }),
    );
    expect(proposed.value.status).toBe('open');
    expect(w.harness.now).toBeLessThan(committedAt + HOLD_MS);

    const other = await world(1);
    await other.harness.submit(other.val1, PROPOSE, proposalJson(other.frontends));
    await other.harness.submit(
      other.fe2,
      COMPROMISE,
      JSON.stringify({ queueId: QUEUE, version: 1, reason: 'leak' }),
    );
    const manual = await other.harness.submit<RotationProposal>(
      other.val1,
      PROPOSE,
      v2(other, { reason: 'manual' }),
    );
    expect(manual.value).toMatchObject({ status: 'committed', version: 2 });
  });

  it("refuses reason 'compromise' while the active version is not reported compromised", async () => {
    const message = await w.harness.expectRejected(
      w.val2,
      PROPOSE,
      [v2(w, { reason: 'compromise' })],
      'CONFLICT',
    );
    expect(message).toBe(
      `[CONFLICT] queue ${QUEUE}: reason 'compromise' needs the active version 1 to be reported compromised ` +
        'first (ReportCompromise)',
    );
    // A compromised older version does not make the active one compromised.
    await commitVersion(w, 2);
    await w.harness.submit(
      w.admin,
      COMPROMISE,
      JSON.stringify({ queueId: QUEUE, version: 1, reason: 'old' }),
    );
    w.harness.advance(HOLD_MS);
    const v3 = proposalJson(w.frontends, {
      version: 3,
      keyId: 'orders-k3',
      keyCheckValue: '000003',
      reason: 'compromise',
    });
    expect(await w.harness.expectRejected(w.val2, PROPOSE, [v3], 'CONFLICT')).toContain(
      "reason 'compromise' needs the active version 2 to be reported compromised",
    );
  });

  it('never holds back a rotation away from a key that a departed front-end still holds', async () => {
    seedMembers(w.harness, [{ identity: w.fe2, roles: [] }]);
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      held: false,
      reasons: ['recipients'],
    });
    const proposed = await w.harness.submit<RotationProposal>(
      w.val2,
      PROPOSE,
      v2(w, { wrappedKeys: wrappedKeysFor([w.fe1]) }),
    );
    expect(proposed.value.status).toBe('open');
  });

  it('holds back a rotation for a newly registered front-end (it only lacks a key; nothing leaked)', async () => {
    seedMembers(w.harness, [{ identity: w.val4, roles: ['frontend'] }]);
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      held: true,
      reasons: ['recipients'],
    });
    const all = [...w.frontends, w.val4];
    await w.harness.expectRejected(
      w.val2,
      PROPOSE,
      [v2(w, { wrappedKeys: wrappedKeysFor(all) })],
      'CONFLICT',
    );
  });

  it('never holds back the first key of a queue', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ queueId: 'fresh' }));
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, 'fresh')).value).toMatchObject({
      due: true,
      held: false,
      reasons: ['initial'],
    });
    const proposed = await w.harness.submit<RotationProposal>(
      w.val1,
      PROPOSE,
      proposalJson(w.frontends, { queueId: 'fresh', keyId: 'fresh-k1' }),
    );
    expect(proposed.value.status).toBe('open');
  });

  it('follows the current policy: 0 turns the hold off, a longer hold applies to the active version at once', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ minRotationIntervalMs: 0 }));
    expect((await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE)).value.nextAllowedAt).toBe(committedAt);
    const proposed = await w.harness.submit(w.val2, PROPOSE, v2(w, { reason: 'manual' }));
    await w.harness.submit(w.val3, 'KeyRotation:ApproveRotation', proposed.txId, '');
    const v2CommittedAt = w.harness.now;

    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ minRotationIntervalMs: HOUR }));
    const due = await w.harness.evaluate<RotationDue>(w.val1, DUE, QUEUE);
    expect(due.value).toMatchObject({
      activeVersion: 2,
      nextAllowedAt: v2CommittedAt + HOUR,
      minRotationIntervalMs: HOUR,
    });
    const v3 = proposalJson(w.frontends, {
      version: 3,
      keyId: 'orders-k3',
      keyCheckValue: '000003',
      reason: 'manual',
      notBefore: v2CommittedAt + HOUR,
    });
    nextTxAt(w, v2CommittedAt + HOUR - 1);
    await w.harness.expectRejected(w.val2, PROPOSE, [v3], 'CONFLICT');
    nextTxAt(w, v2CommittedAt + HOUR);
    await w.harness.submit(w.val2, PROPOSE, v3);
  });
});

describe('KeyRotation: a burst of manual rotations', () => {
  it('commits one version where 33 concurrent manual rotations used to commit twelve', async () => {
    const w = await world(1); // quorum 1: every accepted proposal commits at once, as fast as a burst can go
    await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    w.harness.advance(HOLD_MS);
    const start = w.harness.now;
    let committed = 0;
    const refused: string[] = [];
    for (let attempt = 0; attempt < 33; attempt += 1) {
      const json = proposalJson(w.frontends, {
        version: 2 + committed,
        keyId: `orders-burst-${attempt}`,
        keyCheckValue: (0x100000 + attempt).toString(16),
        reason: 'manual',
      });
      try {
        await w.harness.submit(w.val1, PROPOSE, json);
        committed += 1;
      } catch (error) {
        refused.push((error as Error).message);
      }
    }
    expect(w.harness.now - start).toBe(33_000);
    expect(committed).toBe(1);
    expect(refused).toHaveLength(32);
    expect(
      refused.every((message) => message.startsWith('[CONFLICT]') && message.includes('allowed from')),
    ).toBe(true);
  });
});

describe('KeyRotation proposal notBefore', () => {
  it('may lie at most an hour after the proposing transaction', async () => {
    const w = await world(3);
    const txTime = w.harness.now + 1000;
    const message = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { notBefore: txTime + HOUR + 1 })],
      'INVALID_ARGUMENT',
    );
    expect(message).toBe(
      `[INVALID_ARGUMENT] invalid rotation proposal: notBefore ${new Date(txTime + HOUR + 1).toISOString()} is ` +
        `more than 60 min after the transaction time ${new Date(txTime).toISOString()}`,
    );
    const accepted = await w.harness.submit<RotationProposal>(
      w.val1,
      PROPOSE,
      proposalJson(w.frontends, { notBefore: w.harness.now + 1000 + HOUR }),
    );
    expect(accepted.value.notBefore).toBe(accepted.value.proposedAt + HOUR);
  });
});
