import fc from 'fast-check';
import {
  frost,
  identifierOf,
  InsufficientSharesError,
  reconstructVerified,
  wipe,
} from '../../../src/threshold/math';

jest.setTimeout(60_000);

describe('reconstructVerified', () => {
  const t = 3;
  const n = 5;
  const known = frost.utils.randomScalar();
  const deal = frost.trustedDealer({ min: t, max: n }, undefined, known);
  const shareOf = (index: number): { shareIndex: number; signingShare: Uint8Array } => ({
    shareIndex: index,
    signingShare: deal.secretShares[identifierOf(index)]!.signingShare,
  });
  const tamper = (share: { shareIndex: number; signingShare: Uint8Array }): typeof share => {
    const signingShare = Uint8Array.from(share.signingShare);
    signingShare[0]! ^= 1;
    return { shareIndex: share.shareIndex, signingShare };
  };

  it('recovers the dealer secret from any t or more valid shares, in any order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([1, 2, 3, 4, 5], { minLength: t }), (order) => {
        const result = reconstructVerified(order.map(shareOf), deal.public);
        expect(result.secret).toEqual(known);
        expect(result.used).toEqual(order.slice(0, t));
        expect(result.rejected).toEqual([]);
        wipe(result.secret);
      }),
      { seed: 3, numRuns: 25 },
    );
  });

  it('rejects a tampered share and still succeeds with t valid ones', () => {
    const shares = [shareOf(1), tamper(shareOf(2)), shareOf(3), shareOf(4)];
    const result = reconstructVerified(shares, deal.public);
    expect(result.secret).toEqual(known);
    expect(result.used).toEqual([1, 3, 4]);
    expect(result.rejected).toEqual([2]);
  });

  it('rejects shares of indices outside the key set and of another key', () => {
    const other = frost.trustedDealer({ min: t, max: n });
    const shares = [
      { shareIndex: 0, signingShare: shareOf(1).signingShare },
      { shareIndex: 6, signingShare: shareOf(1).signingShare },
      { shareIndex: 1, signingShare: other.secretShares[identifierOf(1)]!.signingShare },
      { shareIndex: 2, signingShare: new Uint8Array(31) },
      shareOf(3),
      shareOf(4),
      shareOf(5),
    ];
    const result = reconstructVerified(shares, deal.public);
    expect(result.secret).toEqual(known);
    expect(result.used).toEqual([3, 4, 5]);
    expect(result.rejected).toEqual([0, 6, 1, 2]);
  });

  it('rejects a share the published verifying share disagrees with', () => {
    // Consistent with the commitments but not with a (corrupted) verifying share: the ledger record is
    // self-contradictory for that participant, so its share is not trusted.
    const pub = {
      ...deal.public,
      verifyingShares: {
        ...deal.public.verifyingShares,
        [identifierOf(1)]: deal.public.verifyingShares[identifierOf(2)]!,
      },
    };
    const result = reconstructVerified([1, 2, 3, 4].map(shareOf), pub);
    expect(result.rejected).toEqual([1]);
    expect(result.used).toEqual([2, 3, 4]);
  });

  it('counts a repeated share once', () => {
    const result = reconstructVerified([shareOf(1), shareOf(1), shareOf(2), shareOf(5)], deal.public);
    expect(result.used).toEqual([1, 2, 5]);
    expect(() => reconstructVerified([shareOf(1), shareOf(1), shareOf(2)], deal.public)).toThrow(
      InsufficientSharesError,
    );
  });

  it('throws InsufficientSharesError with fewer than t valid shares', () => {
    const attempt = (): unknown =>
      reconstructVerified([shareOf(1), tamper(shareOf(2)), shareOf(3)], deal.public);
    expect(attempt).toThrow(InsufficientSharesError);
    try {
      attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(InsufficientSharesError);
      const e = error as InsufficientSharesError;
      expect(e.valid).toBe(2);
      expect(e.required).toBe(3);
      expect(e.rejected).toEqual([2]);
      expect(e.name).toBe('InsufficientSharesError');
    }
    expect(() => reconstructVerified([], deal.public)).toThrow(InsufficientSharesError);
  });

  it('leaves the input shares as they were', () => {
    const shares = [1, 2, 3].map((i) => ({
      shareIndex: i,
      signingShare: Uint8Array.from(shareOf(i).signingShare),
    }));
    const copies = shares.map((s) => Uint8Array.from(s.signingShare));
    const result = reconstructVerified(shares, deal.public);
    shares.forEach((s, i) => expect(s.signingShare).toEqual(copies[i]));
    wipe(result.secret);
    expect(result.secret).toEqual(new Uint8Array(32));
    shares.forEach((s, i) => expect(s.signingShare).toEqual(copies[i]));
  });
});

describe('wipe', () => {
  it('zeroes every buffer given', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Buffer.from('secret');
    wipe(a, b);
    expect([...a, ...b].every((x) => x === 0)).toBe(true);
  });
});
