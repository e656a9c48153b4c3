import { hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { deriveEpochKey, EPOCH_KEY_LABEL, epochKeyInfo } from '../../../src/threshold/math';

describe('deriveEpochKey', () => {
  const secret = randomBytes(32);

  /** The schedule written out independently of the implementation. */
  function expected(keyId: string, epoch: number, purpose: string, length: number): Buffer {
    const epochBytes = Buffer.alloc(8);
    epochBytes.writeUInt32BE(Math.floor(epoch / 2 ** 32), 0);
    epochBytes.writeUInt32BE(epoch % 2 ** 32, 4);
    const info = Buffer.concat([
      Buffer.from('keyledger/threshold-epoch-key'),
      Buffer.of(0),
      Buffer.from(keyId),
      Buffer.of(0),
      epochBytes,
      Buffer.of(0),
      Buffer.from(purpose),
    ]);
    return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(32), info, length));
  }

  const label = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));

  it('matches an independent hkdfSync computation', () => {
    fc.assert(
      fc.property(
        label,
        fc.maxSafeNat(),
        label,
        fc.integer({ min: 1, max: 96 }),
        (keyId, epoch, purpose, length) => {
          const key = deriveEpochKey(secret, keyId, epoch, purpose, length);
          expect(key).toHaveLength(length);
          expect(key.equals(expected(keyId, epoch, purpose, length))).toBe(true);
        },
      ),
      { seed: 5, numRuns: 50 },
    );
    expect(deriveEpochKey(secret, 'k', 1, 'p')).toHaveLength(32);
    expect(EPOCH_KEY_LABEL).toBe('keyledger/threshold-epoch-key');
  });

  it('differs by epoch, purpose, key id and secret', () => {
    const base = deriveEpochKey(secret, 'key-1', 7, 'shard-wrap');
    expect(base.equals(deriveEpochKey(secret, 'key-1', 8, 'shard-wrap'))).toBe(false);
    expect(base.equals(deriveEpochKey(secret, 'key-1', 7, 'audit-mac'))).toBe(false);
    expect(base.equals(deriveEpochKey(secret, 'key-2', 7, 'shard-wrap'))).toBe(false);
    expect(base.equals(deriveEpochKey(randomBytes(32), 'key-1', 7, 'shard-wrap'))).toBe(false);
    expect(base.equals(deriveEpochKey(secret, 'key-1', 7, 'shard-wrap'))).toBe(true);
    fc.assert(
      fc.property(fc.tuple(label, fc.nat(), label), fc.tuple(label, fc.nat(), label), (a, b) => {
        fc.pre(a.join('\u0001') !== b.join('\u0001'));
        expect(deriveEpochKey(secret, ...a).equals(deriveEpochKey(secret, ...b))).toBe(false);
      }),
      { seed: 9, numRuns: 50 },
    );
  });

  it('encodes the epoch as u64 big-endian', () => {
    const info = epochKeyInfo('k', 0x0102030405, 'p');
    expect(info.toString('hex')).toBe(
      Buffer.from('keyledger/threshold-epoch-key\0k\0').toString('hex') + '0000000102030405' + '0070',
    );
  });

  it.each([
    ['a 31-byte secret', () => deriveEpochKey(new Uint8Array(31), 'k', 0, 'p')],
    ['an empty key id', () => deriveEpochKey(secret, '', 0, 'p')],
    ['a key id with NUL', () => deriveEpochKey(secret, 'a\0b', 0, 'p')],
    ['an empty purpose', () => deriveEpochKey(secret, 'k', 0, '')],
    ['a purpose with NUL', () => deriveEpochKey(secret, 'k', 0, 'p\0')],
    ['a negative epoch', () => deriveEpochKey(secret, 'k', -1, 'p')],
    ['a fractional epoch', () => deriveEpochKey(secret, 'k', 1.5, 'p')],
    ['an unsafe epoch', () => deriveEpochKey(secret, 'k', 2 ** 53, 'p')],
    ['length 0', () => deriveEpochKey(secret, 'k', 0, 'p', 0)],
    ['length beyond HKDF', () => deriveEpochKey(secret, 'k', 0, 'p', 255 * 32 + 1)],
  ])('refuses %s', (_what, derive) => {
    expect(derive).toThrow(RangeError);
  });
});
