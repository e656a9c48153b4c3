import { commitVersion, HOLD_MS, HOUR, QUEUE, ref, world, type World } from './fixtures';

const VOLUME = 'KeyRotation:ReportMessageVolume';
const COMPROMISE = 'KeyRotation:ReportCompromise';
const DUE = 'KeyRotation:IsRotationDue';

function volume(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    queueId: QUEUE,
    version: 1,
    count: 100,
    windowStart: Date.UTC(2026, 0, 1),
    windowEnd: Date.UTC(2026, 0, 1, 0, 0, 1),
    ...overrides,
  });
}

interface Due {
  due: boolean;
  reasons: string[];
  held: boolean;
  nextAllowedAt: number;
  activeVersion: number;
  elapsedMs: number;
  messages: number;
  maxMessages: number;
  openProposal: unknown;
}

describe('KeyRotation message volume, compromise and due checks', () => {
  let w: World;

  beforeEach(async () => {
    w = await world(3);
  });

  it('reports "initial" for a queue without a key and nothing right after a commit', async () => {
    const fresh = await w.harness.evaluate<Due>(w.fe1, DUE, QUEUE);
    expect(fresh.value).toEqual({
      queueId: QUEUE,
      due: true,
      reasons: ['initial'],
      held: false,
      nextAllowedAt: w.harness.now - 1000, // the queue's createdAt: never held before the first key
      minRotationIntervalMs: HOLD_MS,
      activeVersion: 0,
      elapsedMs: 1000,
      rotationIntervalMs: 24 * HOUR,
      messages: 0,
      maxMessages: 1000,
      openProposal: null,
    });
    await commitVersion(w, 1);
    const after = await w.harness.evaluate<Due>(w.val3, DUE, QUEUE);
    expect(after.value).toMatchObject({
      due: false,
      reasons: [],
      activeVersion: 1,
      elapsedMs: 1000,
      messages: 0,
    });
  });

  it('reports "interval" once the rotation interval has passed since the commit', async () => {
    await commitVersion(w, 1);
    w.harness.advance(24 * HOUR - 2000);
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      elapsedMs: 24 * HOUR - 1000,
    });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      reasons: ['interval'],
      elapsedMs: 24 * HOUR,
    });
    // A new version restarts the clock.
    await commitVersion(w, 2);
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      activeVersion: 2,
    });
  });

  it('aggregates counts across two front-ends per key version and reports "volume" at the limit', async () => {
    await commitVersion(w, 1);
    const first = await w.harness.submit(w.fe1, VOLUME, volume({ count: 400 }));
    expect(first.value).toEqual({
      queueId: QUEUE,
      version: 1,
      mspId: w.fe1.mspId,
      fingerprint: w.fe1.fingerprint,
      total: 400,
      reports: 1,
      firstWindowStart: Date.UTC(2026, 0, 1),
      lastWindowStart: Date.UTC(2026, 0, 1),
      lastWindowEnd: Date.UTC(2026, 0, 1, 0, 0, 1),
      updatedAt: w.harness.now,
    });
    expect(first.event).toEqual({
      name: 'MessageVolumeReported',
      payload: {
        queueId: QUEUE,
        version: 1,
        reporter: ref(w.fe1),
        count: 400,
        reporterTotal: 400,
        windowStart: Date.UTC(2026, 0, 1),
        windowEnd: Date.UTC(2026, 0, 1, 0, 0, 1),
        txId: first.txId,
      },
    });
    await w.harness.submit(w.fe2, VOLUME, volume({ count: 350 }));
    // A contiguous next window of the same reporter (windowStart = previous windowEnd).
    const again = await w.harness.submit<{ total: number; reports: number }>(
      w.fe1,
      VOLUME,
      volume({
        count: 249,
        windowStart: Date.UTC(2026, 0, 1, 0, 0, 1),
        windowEnd: Date.UTC(2026, 0, 1, 0, 0, 5),
      }),
    );
    expect(again.value).toMatchObject({ total: 649, reports: 2 });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      messages: 999,
    });

    await w.harness.submit(
      w.fe2,
      VOLUME,
      volume({
        count: 1,
        windowStart: Date.UTC(2026, 0, 1, 0, 0, 2),
        windowEnd: Date.UTC(2026, 0, 1, 0, 0, 2),
      }),
    );
    // The limit is reached seconds after the commit: the rotation is held until the hold ends.
    const held = await w.harness.evaluate<Due>(w.val1, DUE, QUEUE);
    expect(held.value).toMatchObject({
      due: false,
      held: true,
      reasons: ['volume'],
      messages: 1000,
      maxMessages: 1000,
    });
    w.harness.setTime(held.value.nextAllowedAt - 1000); // the next transaction runs at nextAllowedAt
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      held: false,
      reasons: ['volume'],
    });

    // Each reporter writes its own key: two records for version 1.
    const volumeKeys = w.harness.ledger.keys().filter((key) => key.includes('rot.volume'));
    expect(volumeKeys).toHaveLength(2);

    // After the next commit the count starts from zero for version 2; late reports for version 1 still count there.
    await commitVersion(w, 2);
    await w.harness.submit(
      w.fe1,
      VOLUME,
      volume({
        count: 5,
        windowStart: Date.UTC(2026, 0, 1, 0, 0, 6),
        windowEnd: Date.UTC(2026, 0, 1, 0, 0, 7),
      }),
    );
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      messages: 0,
    });
  });

  it('rejects volume reports from non-front-ends, with bad input, for unknown versions, or going backwards', async () => {
    await commitVersion(w, 1);
    for (const who of [w.val1, w.admin, w.auditor, w.outsider]) {
      await w.harness.expectRejected(who, VOLUME, [volume()], 'FORBIDDEN');
    }
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ count: 0 }, /count/],
      [{ count: 1.5 }, /count/],
      [{ version: 0 }, /version/],
      [{ queueId: '' }, /queueId/],
      [
        { windowStart: Date.UTC(2026, 0, 2), windowEnd: Date.UTC(2026, 0, 1) },
        /windowEnd: must not be before windowStart/,
      ],
      [{ windowEnd: Date.UTC(2027, 0, 1) }, /windowEnd .* is after the transaction time/],
      [{ extra: 1 }, /extra/],
    ];
    for (const [overrides, pattern] of invalid) {
      expect(await w.harness.expectRejected(w.fe1, VOLUME, [volume(overrides)], 'INVALID_ARGUMENT')).toMatch(
        pattern,
      );
    }
    expect(await w.harness.expectRejected(w.fe1, VOLUME, [volume({ version: 2 })], 'NOT_FOUND')).toContain(
      `queue ${QUEUE} has no committed key version 2`,
    );
    expect(
      await w.harness.expectRejected(w.fe1, VOLUME, [volume({ queueId: 'nope' })], 'NOT_FOUND'),
    ).toContain('queue nope has no committed key version 1');
    await w.harness.submit(w.fe1, VOLUME, volume());
    const backwards = await w.harness.expectRejected(
      w.fe1,
      VOLUME,
      [volume({ windowStart: Date.UTC(2026, 0, 1, 0, 0, 0, 500), windowEnd: Date.UTC(2026, 0, 1, 0, 0, 2) })],
      'CONFLICT',
    );
    expect(backwards).toContain("before the end of this reporter's previous window");
    // Another reporter's windows are independent.
    await w.harness.submit(w.fe2, VOLUME, volume());
  });

  it('records a compromise of the active version and reports "compromise" until the next version', async () => {
    const proposalId = await commitVersion(w, 1);
    const reported = await w.harness.submit<{ compromised: unknown[] }>(
      w.fe2,
      COMPROMISE,
      JSON.stringify({ queueId: QUEUE, version: 1, reason: 'key found in a crash dump' }),
    );
    const reportedAt = w.harness.now;
    expect(reported.value.compromised).toEqual([
      { version: 1, reportedAt, reportedBy: ref(w.fe2), reason: 'key found in a crash dump' },
    ]);
    expect(reported.event).toEqual({
      name: 'KeyCompromised',
      payload: {
        queueId: QUEUE,
        version: 1,
        activeVersion: 1,
        active: true,
        reportedBy: ref(w.fe2),
        reason: 'key found in a crash dump',
        txId: reported.txId,
      },
    });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      reasons: ['compromise'],
    });
    expect((await w.harness.evaluate(w.fe1, 'KeyRotation:GetActiveKey', QUEUE)).value).toMatchObject({
      version: 1,
      proposalId,
      compromised: true,
    });
    expect(
      await w.harness.expectRejected(
        w.val1,
        COMPROMISE,
        [JSON.stringify({ queueId: QUEUE, version: 1, reason: 'again' })],
        'CONFLICT',
      ),
    ).toContain('already reported compromised');

    await commitVersion(w, 2, { reason: 'compromise' });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      activeVersion: 2,
    });
    // An admin reports an older version: recorded, but the active key stays clean.
    await commitVersion(w, 3);
    const older = await w.harness.submit<{ compromised: { version: number }[] }>(
      w.admin,
      COMPROMISE,
      JSON.stringify({ queueId: QUEUE, version: 2, reason: 'late finding' }),
    );
    expect(older.value.compromised.map((record) => record.version)).toEqual([1, 2]);
    expect(older.event?.payload).toMatchObject({
      version: 2,
      activeVersion: 3,
      active: false,
      reportedBy: ref(w.admin),
    });
    expect((await w.harness.evaluate(w.fe1, 'KeyRotation:GetActiveKey', QUEUE)).value).toMatchObject({
      version: 3,
      compromised: false,
    });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: false,
      activeVersion: 3,
    });
    // A validator reports the active version.
    const byValidator = await w.harness.submit(
      w.val3,
      COMPROMISE,
      JSON.stringify({ queueId: QUEUE, version: 3, reason: 'hsm tamper alarm' }),
    );
    expect(byValidator.event?.payload).toMatchObject({ version: 3, active: true, reportedBy: ref(w.val3) });
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      reasons: ['compromise'],
    });
  });

  it('rejects compromise reports from other roles, with bad input, or for versions never committed', async () => {
    await commitVersion(w, 1);
    const good = { queueId: QUEUE, version: 1, reason: 'leak' };
    for (const who of [w.auditor, w.outsider]) {
      await w.harness.expectRejected(who, COMPROMISE, [JSON.stringify(good)], 'FORBIDDEN');
    }
    expect(
      await w.harness.expectRejected(
        w.fe1,
        COMPROMISE,
        [JSON.stringify({ ...good, reason: '' })],
        'INVALID_ARGUMENT',
      ),
    ).toContain('reason');
    expect(
      await w.harness.expectRejected(
        w.fe1,
        COMPROMISE,
        [JSON.stringify({ ...good, version: 0 })],
        'INVALID_ARGUMENT',
      ),
    ).toContain('version');
    expect(
      await w.harness.expectRejected(
        w.fe1,
        COMPROMISE,
        [JSON.stringify({ ...good, version: 2 })],
        'NOT_FOUND',
      ),
    ).toContain(`queue ${QUEUE} has no committed key version 2 (active version 1)`);
    expect(
      await w.harness.expectRejected(
        w.fe1,
        COMPROMISE,
        [JSON.stringify({ ...good, queueId: 'nope' })],
        'NOT_FOUND',
      ),
    ).toContain('queue nope has no key policy');
  });

  it('reports "recipients" when the set of front-ends differs from the active key\'s recipients', async () => {
    await commitVersion(w, 1);
    const { seedMembers } = await import('../support/seed');
    seedMembers(w.harness, [{ identity: w.fe2, roles: [] }]);
    expect((await w.harness.evaluate<Due>(w.val1, DUE, QUEUE)).value).toMatchObject({
      due: true,
      reasons: ['recipients'],
    });
  });

  it('rejects due checks for unknown queues and callers without a role', async () => {
    await expect(w.harness.evaluate(w.val1, DUE, 'nope')).rejects.toThrow(
      '[NOT_FOUND] queue nope has no key policy',
    );
    await expect(w.harness.evaluate(w.outsider, DUE, QUEUE)).rejects.toThrow(/^\[FORBIDDEN\]/);
  });
});
