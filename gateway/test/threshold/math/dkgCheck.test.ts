import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { blameDkgShare } from '../../../src/threshold/math';
import { runDkgLocally } from './support';

jest.setTimeout(60_000);

describe('blameDkgShare', () => {
  const indices = [1, 2, 3, 4, 5];
  const dkg = runDkgLocally(3, indices);
  const pairs = indices.flatMap((sender) =>
    indices.filter((r) => r !== sender).map((receiver) => [sender, receiver]),
  );

  it('is true for every honest round-2 share', () => {
    for (const [sender, receiver] of pairs) {
      const share = dkg.round2.get(sender!)!.get(receiver!)!.signingShare;
      expect(blameDkgShare(dkg.round1.get(sender!)!, receiver!, share)).toBe(true);
    }
  });

  it('is false for a tampered share, naming the sender', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 255 }),
        ([sender, receiver], position, mask) => {
          const tampered = Uint8Array.from(dkg.round2.get(sender!)!.get(receiver!)!.signingShare);
          // Bytes 0..30 only, so the tampered value stays a canonical scalar below L and the check itself fails.
          tampered[position]! ^= mask;
          expect(blameDkgShare(dkg.round1.get(sender!)!, receiver!, tampered)).toBe(false);
        },
      ),
      { seed: 11, numRuns: 30 },
    );
  });

  it('is false for a share sent to someone else, or checked against another sender', () => {
    const share = dkg.round2.get(1)!.get(2)!.signingShare;
    expect(blameDkgShare(dkg.round1.get(1)!, 3, share)).toBe(false);
    expect(blameDkgShare(dkg.round1.get(4)!, 2, share)).toBe(false);
  });

  it('is false, never throws, for malformed input', () => {
    const sender = dkg.round1.get(1)!;
    const share = dkg.round2.get(1)!.get(2)!.signingShare;
    const identity = Uint8Array.from(ed25519.Point.ZERO.toBytes());
    expect(blameDkgShare({ ...sender, commitment: [] }, 2, share)).toBe(false);
    expect(
      blameDkgShare(
        { ...sender, commitment: [identity, ...sender.commitment.slice(1).map((c) => Uint8Array.from(c))] },
        2,
        share,
      ),
    ).toBe(false);
    expect(blameDkgShare(sender, 0, share)).toBe(false);
    expect(blameDkgShare(sender, 2, share.subarray(1))).toBe(false);
    expect(blameDkgShare(sender, 2, new Uint8Array(32).fill(0xff))).toBe(false);
  });

  it('agrees with round3: the tampered share is the one round3 refuses', () => {
    // Round 3 would only say "invalid secret share"; the per-sender check says whose.
    const tampered = Uint8Array.from(dkg.round2.get(4)!.get(2)!.signingShare);
    tampered[0]! ^= 1;
    const blamed = indices
      .filter((s) => s !== 2)
      .filter(
        (s) =>
          !blameDkgShare(dkg.round1.get(s)!, 2, s === 4 ? tampered : dkg.round2.get(s)!.get(2)!.signingShare),
      );
    expect(blamed).toEqual([4]);
  });
});
