import { randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { lowSCompact, lowSDer } from '../../src/hsm/signatureEncoding';

const N = p256.Point.Fn.ORDER;
const HALF = N >> 1n;

function fixed32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

function randomScalar(): bigint {
  for (;;) {
    const value = BigInt(`0x${randomBytes(32).toString('hex')}`);
    if (value > 0n && value < N) {
      return value;
    }
  }
}

/** What @noble/curves makes of the same raw signature: the reference. */
function reference(raw: Buffer): { der: Uint8Array; compact: Uint8Array } {
  const parsed = p256.Signature.fromBytes(raw, 'compact');
  const signature = parsed.hasHighS() ? new p256.Signature(parsed.r, N - parsed.s) : parsed;
  return { der: signature.toBytes('der'), compact: signature.toBytes('compact') };
}

describe('low-S DER encoding of raw P-256 signatures', () => {
  it('matches @noble/curves on random signatures, high and low S alike', () => {
    for (let i = 0; i < 2000; i += 1) {
      const raw = Buffer.concat([fixed32(randomScalar()), fixed32(randomScalar())]);
      const expected = reference(raw);
      expect(lowSDer(raw)).toEqual(Buffer.from(expected.der));
      expect(lowSCompact(raw)).toEqual(Buffer.from(expected.compact));
    }
  });

  it.each([
    ['s exactly half the order', 12345n, HALF],
    ['s one above half the order', 12345n, HALF + 1n],
    ['s = n − 1', 7n, N - 1n],
    ['small r and s (leading zero bytes)', 1n, 1n],
    ['r with its top bit set', N - 1n, 5n],
    ['r below 2^248 (a zero first byte)', (1n << 247n) + 3n, HALF - 1n],
  ])('handles %s', (_name, r, s) => {
    const raw = Buffer.concat([fixed32(r), fixed32(s)]);
    const expected = reference(raw);
    expect(lowSDer(raw)).toEqual(Buffer.from(expected.der));
    expect(lowSCompact(raw)).toEqual(Buffer.from(expected.compact));
    expect(p256.Signature.fromBytes(lowSDer(raw), 'der').hasHighS()).toBe(false);
  });

  it('refuses anything but 64 bytes', () => {
    expect(() => lowSDer(Buffer.alloc(63))).toThrow('64 bytes');
  });
});
