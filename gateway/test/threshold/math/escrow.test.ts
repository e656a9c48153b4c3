import { randomBytes } from 'node:crypto';
import { frost } from '../../../src/threshold/math';
import { openWithGroupSecret, sealToGroupKey } from '../../../src/threshold/math/escrow';

describe('escrow to a group public key (ECIES over edwards25519)', () => {
  const dealt = frost.trustedDealer({ min: 2, max: 3 });
  const groupKey = dealt.public.commitments[0] as Uint8Array;
  const shares = Object.values(dealt.secretShares).slice(0, 2);
  const secret = frost.combineSecret(shares, { min: 2, max: 3 });

  it('opens with the group secret under the same context, and only then', () => {
    const plaintext = randomBytes(48);
    const blob = sealToGroupKey(groupKey, plaintext, 'db/backup');
    expect(openWithGroupSecret(secret, groupKey, blob, 'db/backup').equals(plaintext)).toBe(true);
    expect(() => openWithGroupSecret(secret, groupKey, blob, 'db/other')).toThrow();
    const other = frost.combineSecret(
      Object.values(frost.trustedDealer({ min: 2, max: 3 }).secretShares).slice(0, 2),
      { min: 2, max: 3 },
    );
    expect(() => openWithGroupSecret(other, groupKey, blob, 'db/backup')).toThrow();
    const tampered = {
      ...blob,
      ciphertext: Buffer.from(
        Buffer.from(blob.ciphertext, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b)),
      ).toString('base64'),
    };
    expect(() => openWithGroupSecret(secret, groupKey, tampered, 'db/backup')).toThrow();
  });

  it('seals every time anew (fresh ephemeral key and nonce) and refuses empty or oversized secrets', () => {
    const a = sealToGroupKey(groupKey, Buffer.from('x'), 'c');
    const b = sealToGroupKey(groupKey, Buffer.from('x'), 'c');
    expect(a.ephemeral).not.toBe(b.ephemeral);
    expect(() => sealToGroupKey(groupKey, Buffer.alloc(0), 'c')).toThrow(RangeError);
    expect(() => sealToGroupKey(groupKey, Buffer.alloc(4097), 'c')).toThrow(RangeError);
    expect(() => sealToGroupKey(new Uint8Array(32), Buffer.from('x'), 'c')).toThrow();
  });
});
