import { ed25519 } from '@noble/curves/ed25519.js';
import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import fc from 'fast-check';
import {
  applyRefresh,
  dealRefresh,
  frost,
  groupPublicKey,
  identifierOf,
  refreshPublic,
  verifyRefreshDelta,
} from '../../../src/threshold/math';
import { message, nodeVerifies, runDkgLocally, subsets, thresholdSign } from './support';

jest.setTimeout(60_000);

interface KeySet {
  readonly t: number;
  readonly indices: number[];
  readonly pub: FrostPublic;
  readonly secrets: Map<number, FrostSecret>;
}

/** One full refresh: every participant deals, every holder verifies what it got and applies it. */
function refreshAll(keys: KeySet): KeySet {
  const deals = keys.indices.map(() => dealRefresh(keys.t, keys.indices));
  const secrets = new Map<number, FrostSecret>();
  for (const index of keys.indices) {
    const deltas = deals.map((deal) => deal.deltas[String(index)]!);
    deals.forEach((deal, i) => expect(verifyRefreshDelta(deal.commitments, index, deltas[i]!)).toBe(true));
    secrets.set(index, applyRefresh(keys.secrets.get(index)!, deltas));
  }
  const pub = refreshPublic(
    keys.pub,
    deals.map((d) => d.commitments),
  );
  return { ...keys, pub, secrets };
}

function dealerKeys(t: number, n: number): KeySet {
  const deal = frost.trustedDealer({ min: t, max: n });
  const indices = Array.from({ length: n }, (_, i) => i + 1);
  return {
    t,
    indices,
    pub: deal.public,
    secrets: new Map(indices.map((i) => [i, deal.secretShares[identifierOf(i)]!])),
  };
}

function dkgKeys(t: number, n: number): KeySet {
  const indices = Array.from({ length: n }, (_, i) => i + 1);
  const dkg = runDkgLocally(t, indices);
  return { t, indices, pub: dkg.pub, secrets: dkg.secrets };
}

function everySubsetSigns(keys: KeySet, groupKey: Uint8Array, label: string): void {
  for (const subset of subsets(keys.indices, keys.t)) {
    const msg = message(`${label} ${subset.join(',')}`);
    const sig = thresholdSign(
      keys.pub,
      subset.map((i) => keys.secrets.get(i)!),
      msg,
    );
    expect(groupPublicKey(keys.pub)).toEqual(groupKey);
    expect(nodeVerifies(keys.pub, msg, sig)).toBe(true);
  }
}

describe.each([
  { source: 'dealer', t: 2, n: 3, make: dealerKeys },
  { source: 'dealer', t: 3, n: 5, make: dealerKeys },
  { source: 'DKG', t: 3, n: 5, make: dkgKeys },
])('refresh of a $source $t-of-$n key', ({ t, n, make }) => {
  const original = make(t, n);
  const groupKey = groupPublicKey(original.pub);
  const once = refreshAll(original);
  const twice = refreshAll(once);

  it('changes every share but not the group key or threshold', () => {
    for (const keys of [once, twice]) {
      expect(keys.pub.commitments[0]).toEqual(groupKey);
      expect(keys.pub.signers).toEqual(original.pub.signers);
      for (const i of original.indices) {
        expect(keys.secrets.get(i)!.signingShare).not.toEqual(original.secrets.get(i)!.signingShare);
        expect(keys.secrets.get(i)!.identifier).toBe(identifierOf(i));
      }
    }
  });

  it('after one refresh every t-subset signs under the same group key', () => {
    everySubsetSigns(once, groupKey, 'once');
  });

  it('after two refreshes every t-subset signs under the same group key', () => {
    everySubsetSigns(twice, groupKey, 'twice');
  });

  it('publishes verifying shares equal to G·(refreshed share), and validateSecret accepts the shares', () => {
    for (const keys of [once, twice]) {
      for (const i of keys.indices) {
        const share = keys.secrets.get(i)!;
        const expected = ed25519.Point.BASE.multiply(
          ed25519.Point.Fn.fromBytes(share.signingShare),
        ).toBytes();
        expect(keys.pub.verifyingShares[identifierOf(i)]).toEqual(expected);
        expect(() => frost.validateSecret(share, keys.pub)).not.toThrow();
      }
    }
  });

  it('makes old shares useless against the refreshed public package', () => {
    const msg = message('old share');
    const old = original.secrets.get(1)!;
    expect(() => frost.validateSecret(old, once.pub)).toThrow();
    // An old share signs with nonces against the new package: the share fails the coordinator's check.
    const signers = [old, ...original.indices.slice(1, t).map((i) => once.secrets.get(i)!)];
    const nonces = signers.map((s) => frost.commit(s));
    const commitments = nonces.map((c) => c.commitments);
    const share = frost.signShare(old, once.pub, nonces[0]!.nonces, commitments, msg);
    expect(frost.verifyShare(once.pub, commitments, msg, old.identifier, share)).toBe(false);
    expect(() => thresholdSign(once.pub, signers, msg)).toThrow();
  });

  it('old and new shares mixed do not combine to the secret', () => {
    const signers = { min: t, max: n };
    const secret = frost.combineSecret(
      original.indices.slice(0, t).map((i) => original.secrets.get(i)!),
      signers,
    );
    expect(
      frost.combineSecret(
        original.indices.slice(0, t).map((i) => once.secrets.get(i)!),
        signers,
      ),
    ).toEqual(secret);
    for (let oldCount = 1; oldCount < t; oldCount++) {
      const mixed = original.indices
        .slice(0, t)
        .map((i, k) => (k < oldCount ? original.secrets.get(i)! : once.secrets.get(i)!));
      expect(frost.combineSecret(mixed, signers)).not.toEqual(secret);
      const mixedTwice = original.indices
        .slice(0, t)
        .map((i, k) => (k < oldCount ? once.secrets.get(i)! : twice.secrets.get(i)!));
      expect(frost.combineSecret(mixedTwice, signers)).not.toEqual(secret);
    }
  });
});

describe('dealRefresh', () => {
  it('commits to t−1 coefficients and deals one delta per index', () => {
    const deal = dealRefresh(3, [1, 2, 4, 7]);
    expect(deal.commitments).toHaveLength(2);
    expect(Object.keys(deal.deltas).sort()).toEqual(['1', '2', '4', '7']);
    for (const c of deal.commitments) expect(c).toMatch(/^[0-9a-f]{64}$/);
    for (const d of Object.values(deal.deltas)) expect(d).toHaveLength(32);
  });

  it('deals a sharing of zero: any t deltas interpolate to 0', () => {
    const deal = dealRefresh(3, [1, 2, 3, 4, 5]);
    for (const subset of subsets([1, 2, 3, 4, 5], 3)) {
      const shares = subset.map((i) => ({
        identifier: identifierOf(i),
        signingShare: deal.deltas[String(i)]!,
      }));
      expect(frost.combineSecret(shares, { min: 3, max: 5 })).toEqual(new Uint8Array(32));
    }
  });

  it.each([
    [1, [1, 2, 3]],
    [0, [1, 2]],
    [2.5, [1, 2, 3]],
    [3, [1, 2]],
    [2, [1, 1, 2]],
    [2, [0, 1]],
    [2, [1, 256]],
  ])('refuses t=%p with indices %p', (t, indices) => {
    expect(() => dealRefresh(t, indices)).toThrow(RangeError);
  });
});

describe('verifyRefreshDelta', () => {
  const deal = dealRefresh(3, [1, 2, 3]);
  const delta = deal.deltas['2']!;

  it('accepts the honest delta only at its own index', () => {
    expect(verifyRefreshDelta(deal.commitments, 2, delta)).toBe(true);
    expect(verifyRefreshDelta(deal.commitments, 1, delta)).toBe(false);
  });

  it('rejects any corrupted delta', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 255 }), (position, mask) => {
        const corrupted = Uint8Array.from(delta);
        corrupted[position]! ^= mask;
        expect(verifyRefreshDelta(deal.commitments, 2, corrupted)).toBe(false);
      }),
      { seed: 7, numRuns: 40 },
    );
  });

  it('returns false, never throws, for malformed input', () => {
    const other = dealRefresh(3, [1, 2, 3]);
    const cases: [string[], number, Uint8Array][] = [
      [[], 2, delta],
      [deal.commitments.slice(0, 1), 2, delta],
      [[deal.commitments[0]!, other.commitments[1]!], 2, delta],
      [['zz'.repeat(32), deal.commitments[1]!], 2, delta],
      [[deal.commitments[0]!.toUpperCase(), deal.commitments[1]!], 2, delta],
      [['01' + '00'.repeat(31), deal.commitments[1]!], 2, delta],
      [deal.commitments, 0, delta],
      [deal.commitments, 256, delta],
      [deal.commitments, 2, delta.subarray(1)],
      [deal.commitments, 2, new Uint8Array(32).fill(0xff)],
    ];
    for (const [commitments, index, d] of cases)
      expect(verifyRefreshDelta(commitments, index, d)).toBe(false);
    expect(verifyRefreshDelta(null as unknown as string[], 2, delta)).toBe(false);
  });
});

describe('applyRefresh and refreshPublic', () => {
  it('do not modify their inputs', () => {
    const keys = dealerKeys(2, 3);
    const share = keys.secrets.get(1)!;
    const before = Uint8Array.from(share.signingShare);
    const deal = dealRefresh(2, keys.indices);
    const delta = Uint8Array.from(deal.deltas['1']!);
    const pubBefore = structuredClone(keys.pub);
    const refreshed = applyRefresh(share, [deal.deltas['1']!]);
    refreshPublic(keys.pub, [deal.commitments]);
    expect(share.signingShare).toEqual(before);
    expect(deal.deltas['1']).toEqual(delta);
    expect(keys.pub).toEqual(pubBefore);
    expect(refreshed.signingShare).not.toBe(share.signingShare);
  });

  it('refuse empty refreshes and wrong-degree deals', () => {
    const keys = dealerKeys(3, 4);
    expect(() => applyRefresh(keys.secrets.get(1)!, [])).toThrow(RangeError);
    expect(() => applyRefresh(keys.secrets.get(1)!, [new Uint8Array(31)])).toThrow(RangeError);
    expect(() => refreshPublic(keys.pub, [])).toThrow(RangeError);
    const higher = dealRefresh(4, keys.indices);
    expect(() => refreshPublic(keys.pub, [higher.commitments])).toThrow(RangeError);
    const ok = dealRefresh(3, keys.indices);
    expect(() => refreshPublic(keys.pub, [[ok.commitments[0]!, '00'.repeat(32)]])).toThrow(RangeError);
  });
});
