import {
  isVersionRetained,
  KEY_POLICY_DEFAULTS,
  retainedByTimeUntil,
  takesOverAt,
  type RetentionPolicy,
} from '../../src/protocol';
import type { CommittedRotationView, KeyPolicy } from '../../src/protocol/rotation';
import { commitVersion, HOUR, policyJson, proposalJson, QUEUE, world, type World } from './fixtures';

const SINCE = 'KeyRotation:GetRotationsSince';
const DAY = 24 * HOUR;

describe('KeyRotation supersededAt', () => {
  let w: World;

  beforeEach(async () => {
    w = await world(3);
  });

  it('is the commit time of the next version, absent for the newest, and computed over all versions', async () => {
    const committedAt: number[] = [];
    for (const version of [1, 2, 3]) {
      await commitVersion(w, version);
      committedAt.push(w.harness.now);
    }
    const all = await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0');
    expect(all.value.map((rotation) => [rotation.version, rotation.supersededAt])).toEqual([
      [1, committedAt[1]],
      [2, committedAt[2]],
      [3, undefined],
    ]);
    expect(all.value[2]).not.toHaveProperty('supersededAt');
    // Asking from version 1 on still gives version 2 its successor's time.
    const since = await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '1');
    expect(since.value.map((rotation) => rotation.supersededAt)).toEqual([committedAt[2], undefined]);
    // The stored per-version records stay as written at commit (write-once).
    const stored = Object.entries(w.harness.ledger.dump()).filter(([key]) => key.includes('rot.committed'));
    expect(stored).toHaveLength(3);
    expect(stored.some(([, value]) => value.includes('supersededAt'))).toBe(false);
  });

  it('counts from when the successor takes over (its notBefore), and from the earliest later takeover', async () => {
    await commitVersion(w, 1);
    const v2NotBefore = w.harness.now + 60_000 + 50 * 60_000; // v2 takes over 50 min after its commit
    await commitVersion(w, 2, { notBefore: v2NotBefore });
    const v2CommittedAt = w.harness.now;
    let rotations = (await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0')).value;
    expect(rotations[0]?.supersededAt).toBe(v2NotBefore);
    expect(rotations[0]?.supersededAt).toBeGreaterThan(v2CommittedAt);

    // v3 takes over at once, before v2's notBefore: v1 stopped sealing messages when v3 took over.
    await commitVersion(w, 3, { notBefore: 0 });
    const v3CommittedAt = w.harness.now;
    rotations = (await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0')).value;
    expect(rotations.map((rotation) => rotation.supersededAt)).toEqual([
      v3CommittedAt,
      v3CommittedAt,
      undefined,
    ]);
  });

  it("is never before the version's own commit, whatever the next commit's clock said", async () => {
    await commitVersion(w, 1);
    const v1CommittedAt = w.harness.now;
    w.harness.advance(60_000);
    const proposed = await w.harness.submit(
      w.val1,
      'KeyRotation:ProposeRotation',
      proposalJson(w.frontends, { version: 2, keyId: 'orders-k2', keyCheckValue: '000002', notBefore: 0 }),
    );
    w.harness.setTime(v1CommittedAt - 10 * 60_000); // the approving client's clock is ten minutes slow
    await w.harness.submit(w.val2, 'KeyRotation:ApproveRotation', proposed.txId, '');
    const rotations = (await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0')).value;
    expect(rotations[1]?.committedAt).toBeLessThan(v1CommittedAt);
    expect(rotations[0]?.supersededAt).toBe(v1CommittedAt);
  });

  it('carries the compromise flag alongside', async () => {
    await commitVersion(w, 1);
    await w.harness.submit(
      w.fe1,
      'KeyRotation:ReportCompromise',
      JSON.stringify({ queueId: QUEUE, version: 1, reason: 'leak' }),
    );
    await commitVersion(w, 2, { reason: 'compromise' });
    const rotations = (await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0')).value;
    expect(rotations.map((rotation) => [rotation.compromised, rotation.supersededAt !== undefined])).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('keeps, by the retention rule, every version of a burst until retentionMs after it was superseded', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ minRotationIntervalMs: 0 }));
    for (let version = 1; version <= 12; version += 1) {
      const proposed = await w.harness.submit(
        w.val1,
        'KeyRotation:ProposeRotation',
        JSON.stringify({
          queueId: QUEUE,
          version,
          keyId: `orders-b${version}`,
          keyCheckValue: version.toString(16).padStart(6, '0'),
          wrappedKeys: w.frontends.map((f, i) => ({
            mspId: f.mspId,
            fingerprint: f.fingerprint,
            wrappedKey: Buffer.alloc(40, i + 1).toString('base64'),
          })),
          notBefore: 0,
          reason: 'manual',
        }),
      );
      await w.harness.submit(w.val2, 'KeyRotation:ApproveRotation', proposed.txId, '');
    }
    const policy = (await w.harness.evaluate<KeyPolicy>(w.fe1, 'KeyRotation:GetKeyPolicy', QUEUE)).value;
    const rotations = (await w.harness.evaluate<CommittedRotationView[]>(w.fe1, SINCE, QUEUE, '0')).value;
    const newest = rotations.length;
    const kept = (now: number): number[] =>
      rotations.filter((rotation) => isVersionRetained(policy, newest, rotation, now)).map((r) => r.version);
    expect(kept(w.harness.now)).toHaveLength(12);
    const lastSuperseded = rotations[10]?.supersededAt ?? 0;
    expect(kept(lastSuperseded + policy.retentionMs)).toEqual([11, 12]);
    const firstSuperseded = rotations[0]?.supersededAt ?? 0;
    expect(kept(firstSuperseded + policy.retentionMs)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});

describe('the retention rule', () => {
  const policy: RetentionPolicy = { retentionVersions: 2, retentionMs: 7 * DAY };

  it('keeps the newest retentionVersions whatever their age', () => {
    expect(isVersionRetained(policy, 10, { version: 10 }, 0)).toBe(true);
    expect(isVersionRetained(policy, 10, { version: 9, supersededAt: 0 }, 100 * DAY)).toBe(true);
    expect(isVersionRetained(policy, 10, { version: 8, supersededAt: 0 }, 100 * DAY)).toBe(false);
  });

  it('keeps an older version until retentionMs after it was superseded, or while it is not superseded', () => {
    const superseded = { version: 1, supersededAt: 1000 };
    expect(isVersionRetained(policy, 10, superseded, 1000 + 7 * DAY - 1)).toBe(true);
    expect(isVersionRetained(policy, 10, superseded, 1000 + 7 * DAY)).toBe(false);
    // A successor that takes over later (notBefore ahead): the version is still the one in use.
    expect(isVersionRetained(policy, 10, { version: 1, supersededAt: 5000 }, 1000)).toBe(true);
    expect(isVersionRetained(policy, 10, { version: 1 }, 1000 * DAY)).toBe(true);
    expect(retainedByTimeUntil(policy, superseded)).toBe(1000 + 7 * DAY);
    expect(retainedByTimeUntil(policy, { version: 1 })).toBeUndefined();
  });

  it('with retentionMs 0 keeps by count only', () => {
    const byCount = { ...policy, retentionMs: 0 };
    expect(isVersionRetained(byCount, 3, { version: 1, supersededAt: 1000 }, 1000)).toBe(false);
    expect(isVersionRetained(byCount, 3, { version: 2, supersededAt: 1000 }, 1000)).toBe(true);
  });

  it('has defaults for both fields and a takeover time that waits for notBefore', () => {
    expect(KEY_POLICY_DEFAULTS).toMatchObject({
      retentionVersions: 2,
      retentionMs: 7 * DAY,
      minRotationIntervalMs: 60_000,
    });
    expect(takesOverAt({ committedAt: 10, notBefore: 5 })).toBe(10);
    expect(takesOverAt({ committedAt: 10, notBefore: 50 })).toBe(50);
  });
});
