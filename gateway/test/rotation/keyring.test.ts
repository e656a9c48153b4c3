import { createSecretKey, randomBytes } from 'node:crypto';
import { MemoryCipher } from '../../src/rotation/ciphers';
import { QueueKeyring, type NewKeyVersion } from '../../src/rotation/keyring';

function version(n: number, extra: Partial<NewKeyVersion> = {}): NewKeyVersion {
  return {
    version: n,
    keyId: `orders.v${n}.00`,
    keyCheckValue: 'abcdef',
    committedAt: n * 1000,
    notBefore: 0,
    compromised: false,
    cipher: new MemoryCipher(createSecretKey(randomBytes(32))),
    ...extra,
  };
}

/** Retention by count only (retentionMs 0), as before retention by time existed. */
function byCount(retentionVersions: number): { retentionVersions: number; retentionMs: number } {
  return { retentionVersions, retentionMs: 0 };
}

/** Adds version n, as a sync would: the ledger says version n−1 was superseded when n was committed. */
function commit(ring: QueueKeyring, n: number, now: number, extra: Partial<NewKeyVersion> = {}): void {
  if (n > 1) {
    ring.noteCommitted({ version: n - 1, supersededAt: n * 1000 });
  }
  ring.add(version(n, extra), now);
}

describe('QueueKeyring', () => {
  it('uses the newest version for new messages and keeps retentionVersions for decryption', () => {
    const ring = new QueueKeyring('orders', byCount(2));
    expect(ring.current).toBeUndefined();
    commit(ring, 1, 10_000);
    expect(ring.current?.version).toBe(1);
    commit(ring, 2, 10_000);
    expect(ring.current?.version).toBe(2);
    expect(ring.evict(10_000)).toEqual([]);
    commit(ring, 3, 10_000);
    expect(ring.isPastRetention(1, 10_000)).toBe(true);
    expect(ring.isPastRetention(2, 10_000)).toBe(false);
    const evicted = ring.evict(10_000);
    expect(evicted.map((entry) => entry.version)).toEqual([1]);
    expect(ring.versions()).toEqual([2, 3]);
    expect(ring.list()).toEqual([
      expect.objectContaining({ version: 2, current: false, compromised: false }),
      expect.objectContaining({ version: 3, current: true, compromised: false }),
    ]);
  });

  it('ages versions out by the ledger newest version, even one it never held', () => {
    const ring = new QueueKeyring('orders', byCount(2));
    commit(ring, 1, 0);
    commit(ring, 2, 0);
    ring.noteCommitted({ version: 2, supersededAt: 3000 });
    ring.noteCommitted(3); // refused here, still committed
    expect(ring.wants(3, 10_000)).toBe(true);
    expect(ring.evict(10_000).map((entry) => entry.version)).toEqual([1]);
    expect(ring.current?.version).toBe(2);
    expect(ring.wants(1, 10_000)).toBe(false);
  });

  it('never encrypts with a compromised version, and does not fall back to an older one', () => {
    const ring = new QueueKeyring('orders', byCount(3));
    ring.add(version(1), 0);
    ring.add(version(2), 0);
    expect(ring.markCompromised(2, 0)).toBe(true);
    expect(ring.markCompromised(2, 0)).toBe(false);
    expect(ring.current).toBeUndefined();
    expect(ring.get(2)?.compromised).toBe(true);
    ring.add(version(3), 0);
    expect(ring.current?.version).toBe(3);
    ring.markCompromised(1, 0); // an older version: changes nothing for new messages
    expect(ring.current?.version).toBe(3);
    ring.markCompromised(3, 0);
    expect(ring.current).toBeUndefined();
  });

  it('stays on the newest version it holds while a newer one is committed but not received', () => {
    const ring = new QueueKeyring('orders', byCount(3));
    ring.add(version(1), 0);
    ring.noteCommitted(2);
    ring.refresh(0);
    expect(ring.current?.version).toBe(1);
    expect(ring.wants(2, 0)).toBe(true);
  });

  it('switches to a version only once its notBefore has passed, and never back', () => {
    const ring = new QueueKeyring('orders', byCount(3));
    ring.add(version(1, { notBefore: 0 }), 100);
    ring.add(version(2, { notBefore: 500 }), 100);
    expect(ring.current?.version).toBe(1);
    expect(ring.refresh(100)).toBe(500);
    expect(ring.refresh(500)).toBeUndefined();
    expect(ring.current?.version).toBe(2);
    ring.refresh(100); // clock stepped back
    expect(ring.current?.version).toBe(2);
  });

  it('takes a new retention and refuses nonsense', () => {
    const ring = new QueueKeyring('orders', byCount(5));
    for (let n = 1; n <= 4; n += 1) {
      commit(ring, n, 0);
    }
    ring.policy = byCount(1);
    expect(ring.evict(10_000).map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(() => (ring.policy = byCount(0))).toThrow(/positive integer/);
    expect(() => (ring.policy = { retentionVersions: 1, retentionMs: -1 })).toThrow(/non-negative/);
    expect(() => ring.add(version(4), 0)).toThrow(/already holds/);
    expect(ring.clear()).toHaveLength(1);
    expect(ring.current).toBeUndefined();
  });

  it('a burst of rotations destroys nothing still inside its retention time', () => {
    const day = 86_400_000;
    const ring = new QueueKeyring('orders', { retentionVersions: 2, retentionMs: 7 * day });
    // Twelve versions committed a second apart: each superseded by the next one's commit.
    for (let n = 1; n <= 12; n += 1) {
      ring.noteCommitted({ version: n, ...(n < 12 ? { supersededAt: (n + 1) * 1000 } : {}) });
      ring.add(version(n), n * 1000);
    }
    expect(ring.evict(13_000)).toEqual([]);
    expect(ring.versions()).toHaveLength(12);
    expect(ring.current?.version).toBe(12);
    // A week after version 2 took over, version 1 goes; the others follow as their own weeks pass.
    expect(ring.evict(2_000 + 7 * day).map((entry) => entry.version)).toEqual([1]);
    expect(ring.evict(12_000 + 7 * day).map((entry) => entry.version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ring.versions()).toEqual([11, 12]); // the count rule keeps the newest two for ever
    expect(ring.isPastRetention(5, 12_000 + 7 * day)).toBe(true);
  });

  it('an unsuperseded version is retained whatever the count', () => {
    const ring = new QueueKeyring('orders', byCount(1));
    ring.add(version(1), 0);
    ring.noteCommitted(3); // later versions committed, but the ledger has not said when 1 was superseded
    expect(ring.retains(1, 10_000)).toBe(true); // not known to be superseded: never destroyed on a guess
    ring.noteCommitted({ version: 1, supersededAt: 2_000 });
    expect(ring.retains(1, 10_000)).toBe(false); // outside the count window, and retentionMs 0
  });
});
