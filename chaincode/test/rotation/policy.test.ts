import { ChaincodeHarness } from '../support/harness';
import { RotationContract } from '../../src/contracts/rotation';
import { HOUR, policyJson, QUEUE, world, type World } from './fixtures';

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
      policy: {
        queueId: QUEUE,
        rotationIntervalMs: 24 * HOUR,
        maxMessages: 1000,
        algorithm: 'AES-256-GCM',
        proposalTtlMs: HOUR,
        retentionVersions: 2,
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
