import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  ed25519PublicKeyObject,
  frost,
  groupPublicKey,
  identifierOf,
  ledgerForm,
  publicPackage,
  shareIndexOf,
} from '../../../src/threshold/math';
import { message, nodeVerifies, runDkgLocally, subsets, thresholdSign } from './support';

jest.setTimeout(60_000);

describe('share indices', () => {
  it('map to FROST identifiers and back for every index 1..255', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), (index) => {
        const id = identifierOf(index);
        expect(id).toBe(frost.Identifier.fromNumber(index));
        expect(id).toMatch(/^[0-9a-f]{64}$/);
        expect(shareIndexOf(id)).toBe(index);
      }),
      { seed: 1, numRuns: 255 },
    );
  });

  it.each([0, 256, -1, 1.5, Number.NaN])('refuses share index %p', (index) => {
    expect(() => identifierOf(index)).toThrow(RangeError);
  });

  it('refuses identifiers that are not a canonical index 1..255', () => {
    const notIndices = [
      identifierOf(10).toUpperCase(),
      frost.Identifier.fromNumber(256),
      frost.Identifier.derive('alice@example.com'),
      '00'.repeat(32),
      identifierOf(1).slice(2),
      'zz' + identifierOf(1).slice(2),
    ];
    for (const id of notIndices) expect(() => shareIndexOf(id)).toThrow(RangeError);
  });
});

describe('ledger form', () => {
  it('round trips through publicPackage and keeps the key usable', () => {
    const deal = frost.trustedDealer({ min: 3, max: 5 });
    const ledger = ledgerForm(deal.public);
    expect(Object.keys(ledger.verifyingShares)).toEqual(['1', '2', '3', '4', '5']);
    for (const hex of [...ledger.commitments, ...Object.values(ledger.verifyingShares)]) {
      expect(hex).toMatch(/^[0-9a-f]{64}$/);
    }
    const back = publicPackage({ t: 3, n: 5, ...ledger });
    expect(back).toEqual(deal.public);
    expect(ledgerForm(back)).toEqual(ledger);
    const signers = [1, 3, 5].map((i) => deal.secretShares[identifierOf(i)]!);
    const msg = message('through the ledger');
    expect(nodeVerifies(back, msg, thresholdSign(back, signers, msg))).toBe(true);
  });

  it('refuses inconsistent or malformed ledger records', () => {
    const deal = frost.trustedDealer({ min: 2, max: 3 });
    const ledger = ledgerForm(deal.public);
    const twoShares = Object.fromEntries(Object.entries(ledger.verifyingShares).filter(([k]) => k !== '3'));
    const bad = [
      { t: 1, n: 3, ...ledger },
      { t: 4, n: 3, ...ledger },
      { t: 3, n: 3, ...ledger },
      { t: 2, n: 3, commitments: ledger.commitments, verifyingShares: twoShares },
      {
        t: 2,
        n: 3,
        commitments: [ledger.commitments[0]!, '00'.repeat(32)],
        verifyingShares: ledger.verifyingShares,
      },
      {
        t: 2,
        n: 3,
        commitments: ledger.commitments.map((c) => c.toUpperCase()),
        verifyingShares: ledger.verifyingShares,
      },
      {
        t: 2,
        n: 3,
        commitments: ledger.commitments,
        verifyingShares: { ...twoShares, '03': ledger.verifyingShares['3']! },
      },
      // 0100…00 encodes the identity point.
      {
        t: 2,
        n: 3,
        commitments: ledger.commitments,
        verifyingShares: { ...twoShares, '3': '01' + '00'.repeat(31) },
      },
    ];
    for (const input of bad) expect(() => publicPackage(input)).toThrow(RangeError);
  });

  it('groupPublicKey is a copy of commitments[0]', () => {
    const deal = frost.trustedDealer({ min: 2, max: 3 });
    const key = groupPublicKey(deal.public);
    expect(key).toEqual(deal.public.commitments[0]);
    key.fill(0);
    expect(deal.public.commitments[0]).not.toEqual(key);
  });
});

describe('ed25519PublicKeyObject', () => {
  it('builds the same key node exports for a raw Ed25519 key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const rebuilt = ed25519PublicKeyObject(raw);
    expect(rebuilt.equals(createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })))).toBe(true);
    expect(() => ed25519PublicKeyObject(raw.subarray(1))).toThrow(RangeError);
  });
});

describe('threshold signatures verify with node:crypto', () => {
  const cases = [
    { t: 2, n: 3 },
    { t: 3, n: 5 },
  ];

  it.each(cases)('trusted dealer $t-of-$n: every t-subset signs', ({ t, n }) => {
    const deal = frost.trustedDealer({ min: t, max: n });
    const indices = Array.from({ length: n }, (_, i) => i + 1);
    for (const subset of subsets(indices, t)) {
      const msg = message(`dealer ${subset.join(',')}`);
      const sig = thresholdSign(
        deal.public,
        subset.map((i) => deal.secretShares[identifierOf(i)]!),
        msg,
      );
      expect(nodeVerifies(deal.public, msg, sig)).toBe(true);
      expect(frost.verify(sig, msg, groupPublicKey(deal.public))).toBe(true);
      expect(nodeVerifies(deal.public, message('another message'), sig)).toBe(false);
    }
  });

  it.each(cases)('DKG $t-of-$n: every t-subset signs', ({ t, n }) => {
    const indices = Array.from({ length: n }, (_, i) => i + 1);
    const dkg = runDkgLocally(t, indices);
    for (const subset of subsets(indices, t)) {
      const msg = message(`dkg ${subset.join(',')}`);
      const sig = thresholdSign(
        dkg.pub,
        subset.map((i) => dkg.secrets.get(i)!),
        msg,
      );
      expect(nodeVerifies(dkg.pub, msg, sig)).toBe(true);
    }
  });

  it('fewer than t signers cannot aggregate', () => {
    const deal = frost.trustedDealer({ min: 3, max: 5 });
    const msg = message('too few');
    expect(() =>
      thresholdSign(
        deal.public,
        [deal.secretShares[identifierOf(1)]!, deal.secretShares[identifierOf(2)]!],
        msg,
      ),
    ).toThrow();
  });
});
