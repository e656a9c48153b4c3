import { ChaincodeHarness } from '../support/harness';
import { seedMembers } from '../support/seed';
import { RotationContract } from '../../src/contracts/rotation';
import type { KeyPolicy, KeyPolicyResult } from '../../src/protocol/rotation';
import { findKey, HOUR, policyJson, QUEUE, world, type World } from './fixtures';

describe('KeyRotation key policy', () => {
  let w: World;

  beforeEach(async () => {
    w = await world(3, undefined, false);
  });

  it('creates a policy with defaults and a queue at version 0, then updates it without touching the queue', async () => {
    const created = await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson());
    const createdAt = w.harness.now;
    expect(created.value).toEqual({
      created: true,
      changed: true,
      policy: {
        queueId: QUEUE,
        rotationIntervalMs: 24 * HOUR,
        maxMessages: 1000,
        algorithm: 'AES-256-GCM',
        proposalTtlMs: HOUR,
        retentionVersions: 2,
        minRotationIntervalMs: 60_000,
        retentionMs: 7 * 24 * HOUR,
        createdAt,
        updatedAt: createdAt,
        updatedBy: `${w.admin.mspId}/${w.admin.fingerprint}`,
      },
    });
    expect(created.event?.name).toBe('KeyPolicySet');
    expect(created.event?.payload).toMatchObject({
      queueId: QUEUE,
      created: true,
      maxMessages: 1000,
      txId: created.txId,
    });

    const updated = await w.harness.submit(
      w.admin,
      'KeyRotation:SetKeyPolicy',
      policyJson({ maxMessages: 50, proposalTtlMs: 2 * HOUR, retentionVersions: 5 }),
    );
    expect(updated.value).toMatchObject({
      created: false,
      policy: { maxMessages: 50, proposalTtlMs: 2 * HOUR, retentionVersions: 5, createdAt },
    });
    expect(updated.event?.payload).toMatchObject({ created: false, updatedAt: w.harness.now });

    const fetched = await w.harness.evaluate(w.auditor, 'KeyRotation:GetKeyPolicy', QUEUE);
    expect(fetched.value).toMatchObject({ queueId: QUEUE, maxMessages: 50 });

    const history = await w.harness.evaluate<{ entries: unknown[] }>(
      w.auditor,
      'KeyRotation:GetKeyHistory',
      QUEUE,
    );
    expect(history.value.entries).toHaveLength(1);
  });

  it('lists queues with their active version', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ queueId: 'payments' }));
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson());
    const listed = await w.harness.evaluate<Record<string, unknown>[]>(w.val1, 'KeyRotation:ListQueues');
    expect(listed.value.map((queue) => [queue['queueId'], queue['activeVersion']])).toEqual([
      [QUEUE, 0],
      ['payments', 0],
    ]);
  });

  it('lets only admins set a policy', async () => {
    for (const who of [w.val1, w.fe1, w.outsider]) {
      await w.harness.expectRejected(who, 'KeyRotation:SetKeyPolicy', [policyJson()], 'FORBIDDEN');
    }
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['bad queue id', policyJson({ queueId: ' orders' }), /queueId/],
    ['interval too short', policyJson({ rotationIntervalMs: 999 }), /rotationIntervalMs/],
    ['fractional interval', policyJson({ rotationIntervalMs: 1000.5 }), /rotationIntervalMs/],
    ['zero messages', policyJson({ maxMessages: 0 }), /maxMessages/],
    ['unknown algorithm', policyJson({ algorithm: 'AES-128-CBC' }), /algorithm/],
    ['ttl too short', policyJson({ proposalTtlMs: 1000 }), /proposalTtlMs/],
    ['retention zero', policyJson({ retentionVersions: 0 }), /retentionVersions/],
    ['negative hold', policyJson({ minRotationIntervalMs: -1 }), /minRotationIntervalMs/],
    ['fractional hold', policyJson({ minRotationIntervalMs: 0.5 }), /minRotationIntervalMs/],
    ['hold as text', policyJson({ minRotationIntervalMs: '60000' }), /minRotationIntervalMs/],
    [
      'hold longer than the interval',
      policyJson({ rotationIntervalMs: 60_000, minRotationIntervalMs: 60_001 }),
      /minRotationIntervalMs: must not exceed rotationIntervalMs/,
    ],
    ['negative retention time', policyJson({ retentionMs: -1 }), /retentionMs/],
    ['retention time over 10 years', policyJson({ retentionMs: 3651 * 24 * HOUR }), /retentionMs/],
    ['null retention time', policyJson({ retentionMs: null }), /retentionMs/],
    ['unknown field', policyJson({ recipients: [] }), /recipients/],
  ])('rejects a policy with %s', async (_label, json, pattern) => {
    const message = await w.harness.expectRejected(
      w.admin,
      'KeyRotation:SetKeyPolicy',
      [json],
      'INVALID_ARGUMENT',
    );
    expect(message).toMatch(pattern);
  });

  it('answers NOT_FOUND for an unknown queue and FORBIDDEN for callers without a role', async () => {
    await expect(w.harness.evaluate(w.auditor, 'KeyRotation:GetKeyPolicy', 'nope')).rejects.toThrow(
      '[NOT_FOUND] queue nope has no key policy',
    );
    await expect(w.harness.evaluate(w.outsider, 'KeyRotation:GetKeyPolicy', QUEUE)).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(w.harness.evaluate(w.outsider, 'KeyRotation:ListQueues')).rejects.toThrow(/^\[FORBIDDEN\]/);
  });

  it('needs an admin registration even on an empty ledger', async () => {
    const empty = new ChaincodeHarness([RotationContract]);
    await empty.expectRejected(w.admin, 'KeyRotation:SetKeyPolicy', [policyJson()], 'FORBIDDEN');
  });
});

describe('KeyRotation key policy: rotation hold and retention time', () => {
  let w: World;
  const SET = 'KeyRotation:SetKeyPolicy';

  beforeEach(async () => {
    w = await world(3, undefined, false);
  });

  it('stores explicit values, including 0 for both (no hold; retention by count only)', async () => {
    const set = await w.harness.submit<{ policy: KeyPolicy }>(
      w.admin,
      SET,
      policyJson({ minRotationIntervalMs: 0, retentionMs: 0 }),
    );
    expect(set.value.policy).toMatchObject({ minRotationIntervalMs: 0, retentionMs: 0 });
    expect(set.event?.payload).toMatchObject({ minRotationIntervalMs: 0, retentionMs: 0, created: true });
    const longest = await w.harness.submit<{ policy: KeyPolicy }>(
      w.admin,
      SET,
      policyJson({ minRotationIntervalMs: 24 * HOUR, retentionMs: 3650 * 24 * HOUR }),
    );
    expect(longest.value.policy).toMatchObject({
      minRotationIntervalMs: 24 * HOUR,
      retentionMs: 3650 * 24 * HOUR,
    });
  });

  it('caps the default hold at the rotation interval', async () => {
    const set = await w.harness.submit<{ policy: KeyPolicy }>(
      w.admin,
      SET,
      policyJson({ rotationIntervalMs: 30_000 }),
    );
    expect(set.value.policy).toMatchObject({ rotationIntervalMs: 30_000, minRotationIntervalMs: 30_000 });
  });

  it('is idempotent: setting the same policy again writes nothing, emits nothing and says so', async () => {
    const input = policyJson({ minRotationIntervalMs: 5000, retentionMs: 2 * HOUR, retentionVersions: 3 });
    const first = await w.harness.submit<KeyPolicyResult>(w.admin, SET, input);
    const before = JSON.stringify(w.harness.ledger.dump());
    const height = w.harness.ledger.height;

    const again = await w.harness.submit<KeyPolicyResult>(w.admin, SET, input);
    expect(again.value).toEqual({ policy: first.value.policy, created: false, changed: false });
    expect(again.event).toBeUndefined();
    expect(JSON.stringify(w.harness.ledger.dump())).toBe(before);
    // The harness commits the (empty) write set as a block: nothing in it.
    expect(w.harness.ledger.height).toBe(height + 1);
    const policyKey = findKey(w.harness, 'rot.policy', QUEUE);
    expect(w.harness.ledger.history(policyKey)).toHaveLength(1);

    // The same policy spelt with its defaults, by another admin: still the same policy.
    seedMembers(w.harness, [{ identity: w.auditor, roles: ['admin'] }]);
    const spelt = await w.harness.submit<KeyPolicyResult>(
      w.auditor,
      SET,
      policyJson({
        minRotationIntervalMs: 5000,
        retentionMs: 2 * HOUR,
        retentionVersions: 3,
        proposalTtlMs: HOUR,
      }),
    );
    expect(spelt.value.changed).toBe(false);
    expect(spelt.value.policy.updatedBy).toBe(first.value.policy.updatedBy);

    // Omitting the new fields means their defaults, which differs from what is stored: a real change.
    const defaults = await w.harness.submit<KeyPolicyResult>(
      w.admin,
      SET,
      policyJson({ retentionVersions: 3 }),
    );
    expect(defaults.value).toMatchObject({
      created: false,
      changed: true,
      policy: {
        minRotationIntervalMs: 60_000,
        retentionMs: 7 * 24 * HOUR,
        createdAt: first.value.policy.createdAt,
      },
    });
    expect(defaults.event?.name).toBe('KeyPolicySet');
    expect(w.harness.ledger.history(policyKey)).toHaveLength(2);
  });

  it('reads a policy stored before the new fields existed with their defaults, and upgrades it when set again', async () => {
    await w.harness.submit(w.admin, SET, policyJson({ rotationIntervalMs: 20_000 }));
    const policyKey = findKey(w.harness, 'rot.policy', QUEUE);
    const stored = JSON.parse(w.harness.ledger.get(policyKey)?.value.toString('utf8') ?? '{}') as Record<
      string,
      unknown
    >;
    delete stored['minRotationIntervalMs'];
    delete stored['retentionMs'];
    w.harness.ledger.commit(
      'legacy-policy',
      w.harness.now,
      new Map([[policyKey, Buffer.from(JSON.stringify(stored))]]),
    );

    const read = await w.harness.evaluate<KeyPolicy>(w.auditor, 'KeyRotation:GetKeyPolicy', QUEUE);
    expect(read.value).toMatchObject({
      rotationIntervalMs: 20_000,
      minRotationIntervalMs: 20_000,
      retentionMs: 7 * 24 * HOUR,
    });
    const listed = await w.harness.evaluate<KeyPolicy[]>(w.auditor, 'KeyRotation:ListQueues');
    expect(listed.value[0]).toMatchObject({ minRotationIntervalMs: 20_000, retentionMs: 7 * 24 * HOUR });
    const due = await w.harness.evaluate<{ minRotationIntervalMs: number }>(
      w.auditor,
      'KeyRotation:IsRotationDue',
      QUEUE,
    );
    expect(due.value.minRotationIntervalMs).toBe(20_000);

    const queueKey = findKey(w.harness, 'rot.queue', QUEUE);
    const queueBefore = w.harness.ledger.get(queueKey)?.value.toString('utf8');
    const upgraded = await w.harness.submit<KeyPolicyResult>(
      w.admin,
      SET,
      policyJson({ rotationIntervalMs: 20_000 }),
    );
    expect(upgraded.value).toMatchObject({ created: false, changed: true });
    expect(JSON.parse(w.harness.ledger.get(policyKey)?.value.toString('utf8') ?? '{}')).toMatchObject({
      minRotationIntervalMs: 20_000,
      retentionMs: 7 * 24 * HOUR,
    });
    expect(w.harness.ledger.get(queueKey)?.value.toString('utf8')).toBe(queueBefore);
  });
});
