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

describe('QueueKeyring', () => {
  it('uses the newest version for new messages and keeps retentionVersions for decryption', () => {
    const ring = new QueueKeyring('orders', 2);
    expect(ring.current).toBeUndefined();
    ring.add(version(1), 10_000);
    expect(ring.current?.version).toBe(1);
    ring.add(version(2), 10_000);
    expect(ring.current?.version).toBe(2);
    expect(ring.evict(10_000)).toEqual([]);
    ring.add(version(3), 10_000);
    expect(ring.floor).toBe(1);
    const evicted = ring.evict(10_000);
    expect(evicted.map((entry) => entry.version)).toEqual([1]);
    expect(ring.versions()).toEqual([2, 3]);
    expect(ring.list()).toEqual([
      expect.objectContaining({ version: 2, current: false, compromised: false }),
      expect.objectContaining({ version: 3, current: true, compromised: false }),
    ]);
  });

  it('ages versions out by the ledger newest version, even one it never held', () => {
    const ring = new QueueKeyring('orders', 2);
    ring.add(version(1), 0);
    ring.add(version(2), 0);
    ring.noteCommitted(3); // refused here, still committed
    expect(ring.wants(3)).toBe(true);
    expect(ring.evict(0).map((entry) => entry.version)).toEqual([1]);
    expect(ring.current?.version).toBe(2);
    expect(ring.wants(1)).toBe(false);
  });

  it('never encrypts with a compromised version, and does not fall back to an older one', () => {
    const ring = new QueueKeyring('orders', 3);
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
    const ring = new QueueKeyring('orders', 3);
    ring.add(version(1), 0);
    ring.noteCommitted(2);
    ring.refresh(0);
    expect(ring.current?.version).toBe(1);
    expect(ring.wants(2)).toBe(true);
  });

  it('switches to a version only once its notBefore has passed, and never back', () => {
    const ring = new QueueKeyring('orders', 3);
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
    const ring = new QueueKeyring('orders', 5);
    for (let n = 1; n <= 4; n += 1) {
      ring.add(version(n), 0);
    }
    ring.retentionVersions = 1;
    expect(ring.evict(0).map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(() => (ring.retentionVersions = 0)).toThrow(/positive integer/);
    expect(() => ring.add(version(4), 0)).toThrow(/already holds/);
    expect(ring.clear()).toHaveLength(1);
    expect(ring.current).toBeUndefined();
  });
});
