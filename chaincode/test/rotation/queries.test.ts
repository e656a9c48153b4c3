import type { RotationProposal } from '../../src/protocol/rotation';
import { commitVersion, HOLD_MS, proposalJson, QUEUE, ref, world, wrapped, type World } from './fixtures';

interface Rotation {
  version: number;
  keyId: string;
  keyCheckValue: string;
  proposalId: string;
  approvals: { mspId: string; fingerprint: string }[];
  recipients: string[];
  compromised: boolean;
}

interface HistoryEntry {
  txId: string;
  timestamp: number;
  isDelete: boolean;
  value: { activeVersion: number; activeKeyId?: string; compromised: unknown[] };
}

describe('KeyRotation queries', () => {
  let w: World;
  let proposals: string[];

  beforeEach(async () => {
    w = await world(3);
    proposals = [];
    for (const version of [1, 2, 3]) {
      proposals.push(await commitVersion(w, version));
    }
  });

  it('lists rotations since version N in order, with approvals and KCV but no wrapped keys', async () => {
    const since = await w.harness.evaluate<Rotation[]>(w.fe1, 'KeyRotation:GetRotationsSince', QUEUE, '1');
    expect(since.value.map((rotation) => [rotation.version, rotation.keyId, rotation.keyCheckValue])).toEqual(
      [
        [2, 'orders-k2', '000002'],
        [3, 'orders-k3', '000003'],
      ],
    );
    expect(since.value[0]).toMatchObject({
      proposalId: proposals[1],
      recipients: w.frontends.map(ref).sort(),
      compromised: false,
      quorum: 2,
      validatorCount: 3,
    });
    expect(since.value[0]?.approvals.map(ref)).toEqual([ref(w.val1), ref(w.val2)]);
    expect(JSON.stringify(since.value)).not.toContain('wrappedKey');
    const all = await w.harness.evaluate<Rotation[]>(w.auditor, 'KeyRotation:GetRotationsSince', QUEUE, '0');
    expect(all.value.map((rotation) => rotation.version)).toEqual([1, 2, 3]);
    expect((await w.harness.evaluate(w.auditor, 'KeyRotation:GetRotationsSince', QUEUE, '3')).value).toEqual(
      [],
    );
  });

  it('sorts versions numerically beyond 9', async () => {
    for (let version = 4; version <= 11; version += 1) {
      await commitVersion(w, version);
    }
    const since = await w.harness.evaluate<Rotation[]>(w.fe1, 'KeyRotation:GetRotationsSince', QUEUE, '8');
    expect(since.value.map((rotation) => rotation.version)).toEqual([9, 10, 11]);
  });

  it('shows every key version in the queue history, newest first', async () => {
    const history = await w.harness.evaluate<{ queueId: string; entries: HistoryEntry[] }>(
      w.auditor,
      'KeyRotation:GetKeyHistory',
      QUEUE,
    );
    expect(history.value.queueId).toBe(QUEUE);
    expect(
      history.value.entries.map((entry) => [entry.value.activeVersion, entry.value.activeKeyId ?? null]),
    ).toEqual([
      [3, 'orders-k3'],
      [2, 'orders-k2'],
      [1, 'orders-k1'],
      [0, null],
    ]);
    expect(history.value.entries.every((entry) => !entry.isDelete && entry.timestamp > 0)).toBe(true);
  });

  it("returns a front-end its own wrapped key and never another front-end's", async () => {
    const mine = await w.harness.evaluate<Record<string, unknown>>(
      w.fe2,
      'KeyRotation:GetWrappedKey',
      QUEUE,
      '2',
    );
    expect(mine.value).toMatchObject({
      queueId: QUEUE,
      version: 2,
      keyId: 'orders-k2',
      keyCheckValue: '000002',
      proposalId: proposals[1],
      proposer: { mspId: w.val1.mspId, fingerprint: w.val1.fingerprint },
      mspId: w.fe2.mspId,
      fingerprint: w.fe2.fingerprint,
      wrappedKey: wrapped(2),
      compromised: false,
    });
    const other = await w.harness.evaluate<Record<string, unknown>>(
      w.fe1,
      'KeyRotation:GetWrappedKey',
      QUEUE,
      '2',
    );
    expect(other.value).toMatchObject({ fingerprint: w.fe1.fingerprint, wrappedKey: wrapped(1) });
    expect(JSON.stringify(other.value)).not.toContain(wrapped(2));
    // An identity that holds the front-end role but got no copy (registered after the commit).
    const { seedMembers } = await import('../support/seed');
    seedMembers(w.harness, [{ identity: w.val4, roles: ['frontend'] }]);
    expect(
      await w.harness
        .evaluate(w.val4, 'KeyRotation:GetWrappedKey', QUEUE, '2')
        .catch((error: Error) => error.message),
    ).toBe(`[NOT_FOUND] no wrapped key for ${ref(w.val4)} in version 2 of queue ${QUEUE}`);
    await expect(w.harness.evaluate(w.fe1, 'KeyRotation:GetWrappedKey', QUEUE, '4')).rejects.toThrow(
      `[NOT_FOUND] queue ${QUEUE} has no committed key version 4`,
    );
    await expect(w.harness.evaluate(w.val1, 'KeyRotation:GetWrappedKey', QUEUE, '2')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(w.harness.evaluate(w.fe1, 'KeyRotation:GetWrappedKey', QUEUE, '0')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid version/,
    );
    await expect(w.harness.evaluate(w.fe1, 'KeyRotation:GetWrappedKey', QUEUE, 'two')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid version/,
    );
  });

  it('returns the full proposal, including wrapped keys, so approvers can recompute the digest', async () => {
    w.harness.advance(HOLD_MS);
    const open = await w.harness.submit<RotationProposal>(
      w.val3,
      'KeyRotation:ProposeRotation',
      proposalJson(w.frontends, { version: 4, keyId: 'orders-k4', keyCheckValue: '000004' }),
    );
    const pending = await w.harness.evaluate<RotationProposal>(
      w.val2,
      'KeyRotation:GetPendingRotation',
      QUEUE,
    );
    expect(pending.value).toEqual(open.value);
    expect(pending.value.wrappedKeys).toHaveLength(2);
    const byId = await w.harness.evaluate<RotationProposal>(
      w.auditor,
      'KeyRotation:GetRotation',
      proposals[0] ?? '',
    );
    expect(byId.value).toMatchObject({ version: 1, status: 'committed' });
    await expect(w.harness.evaluate(w.auditor, 'KeyRotation:GetRotation', 'nope')).rejects.toThrow(
      '[NOT_FOUND] rotation proposal nope not found',
    );
  });

  it('rejects queries without a role, for unknown queues, and with malformed arguments', async () => {
    for (const [fn, args] of [
      ['GetRotationsSince', [QUEUE, '0']],
      ['GetKeyHistory', [QUEUE]],
      ['GetActiveKey', [QUEUE]],
      ['GetPendingRotation', [QUEUE]],
      ['ListPendingRotations', []],
      ['GetRotation', [proposals[0] ?? '']],
    ] as [string, string[]][]) {
      await expect(w.harness.evaluate(w.outsider, `KeyRotation:${fn}`, ...args)).rejects.toThrow(
        /^\[FORBIDDEN\]/,
      );
    }
    for (const fn of ['GetKeyHistory', 'GetActiveKey', 'GetPendingRotation']) {
      await expect(w.harness.evaluate(w.auditor, `KeyRotation:${fn}`, 'nope')).rejects.toThrow(
        '[NOT_FOUND] queue nope has no key policy',
      );
    }
    await expect(w.harness.evaluate(w.auditor, 'KeyRotation:GetRotationsSince', 'nope', '0')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    await expect(w.harness.evaluate(w.auditor, 'KeyRotation:GetRotationsSince', QUEUE, '-1')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid version/,
    );
    await expect(w.harness.evaluate(w.auditor, 'KeyRotation:GetActiveKey', 'bad id')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid queue id/,
    );
  });

  it('has no active key before the first commit', async () => {
    await w.harness.submit(
      w.admin,
      'KeyRotation:SetKeyPolicy',
      JSON.stringify({
        queueId: 'fresh',
        rotationIntervalMs: 60_000,
        maxMessages: 10,
        algorithm: 'AES-256-GCM',
      }),
    );
    await expect(w.harness.evaluate(w.fe1, 'KeyRotation:GetActiveKey', 'fresh')).rejects.toThrow(
      '[NOT_FOUND] queue fresh has no active key yet',
    );
    expect((await w.harness.evaluate(w.fe1, 'KeyRotation:GetRotationsSince', 'fresh', '0')).value).toEqual(
      [],
    );
  });
});
