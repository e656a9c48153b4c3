import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import {
  evaluateCommitment,
  Fn,
  mulBase,
  ownedBytes,
  parsePoint,
  parsePointHex,
  parseScalar,
} from './points';
import { assertShareIndex, MAX_SHARE_INDEX } from './shareIndex';
import { wipe } from './wipe';

/**
 * Proactive share refresh (Herzberg et al.): every participant deals shares of ZERO with a polynomial of the
 * key's degree, f(x) = a_1·x + … + a_{t−1}·x^{t−1}. Adding everyone's f(k) to share k re-randomizes the sharing
 * while Σ f_i(0) = 0 keeps the group secret — and so the group key and every old signature — unchanged. A share
 * from before the refresh lies on a different polynomial and combines with no refreshed share.
 *
 * The missing constant term is what makes it a zero sharing: the commitments are a_j·G for j ≥ 1 only, so a
 * delta that verifies against them is necessarily f(index) of a polynomial with f(0) = 0.
 */

/** One participant's refresh deal: public commitments for everyone, one secret delta per share index. */
export interface RefreshDeal {
  /** a_j·G for j = 1..t−1, lowercase hex; broadcast (or put on the ledger) with the deal. */
  readonly commitments: string[];
  /** f(index) as a 32-byte little-endian scalar, keyed by decimal share index; each goes only to its holder. */
  readonly deltas: Record<string, Uint8Array>;
}

function assertThreshold(t: number): void {
  if (!Number.isInteger(t) || t < 2 || t > MAX_SHARE_INDEX) {
    throw new RangeError(`refresh needs an integer threshold 2..${MAX_SHARE_INDEX}, got ${String(t)}`);
  }
}

/** Deals a zero-secret refresh for a t-of-n key to the given share indices (distinct, at least t of them). */
export function dealRefresh(t: number, shareIndices: number[]): RefreshDeal {
  assertThreshold(t);
  shareIndices.forEach(assertShareIndex);
  if (new Set(shareIndices).size !== shareIndices.length)
    throw new RangeError('share indices must be distinct');
  if (shareIndices.length < t)
    throw new RangeError(`need at least t=${t} share indices, got ${shareIndices.length}`);

  const coefficients: bigint[] = [];
  for (let j = 1; j < t; j++) {
    // randomScalar never returns zero: a zero top coefficient would quietly lower the polynomial's degree.
    const bytes = ed25519_FROST.utils.randomScalar();
    coefficients.push(Fn.fromBytes(bytes));
    wipe(bytes);
  }
  const commitments = coefficients.map((a) => Buffer.from(mulBase(a).toBytes()).toString('hex'));
  const deltas: Record<string, Uint8Array> = {};
  for (const index of shareIndices) {
    // Horner from the top coefficient down, then one more ·x for the absent constant term.
    const x = BigInt(index);
    const value = coefficients.reduceRight((acc, a) => Fn.add(Fn.mul(acc, x), a), Fn.ZERO);
    deltas[String(index)] = ownedBytes(Fn.toBytes(Fn.mul(value, x)));
  }
  // Best effort only (bigints cannot be wiped), but do not keep the polynomial reachable.
  coefficients.fill(0n);
  return { commitments, deltas };
}

/**
 * Whether `delta` is the value at `shareIndex` of the zero polynomial the commitments commit to:
 * delta·G == Σ_j index^j·C_j. Malformed input (bad hex, a non-prime-order point, no commitments, a scalar that
 * is not canonical) is simply not a valid delta, so this returns false and never throws. It cannot know t:
 * the caller checks there are t−1 commitments (refreshPublic does).
 */
export function verifyRefreshDelta(commitments: string[], shareIndex: number, delta: Uint8Array): boolean {
  try {
    assertShareIndex(shareIndex);
    if (!Array.isArray(commitments) || commitments.length === 0) return false;
    const points = commitments.map(parsePointHex);
    return mulBase(parseScalar(delta)).equals(evaluateCommitment(BigInt(shareIndex), points, 1));
  } catch {
    return false;
  }
}

/**
 * The refreshed share: old + Σ deltas (mod L), as a new object; neither the share nor the deltas are modified
 * (the caller wipes the old share once the refresh is committed). Verify each delta first — this only adds.
 */
export function applyRefresh(share: FrostSecret, deltas: Uint8Array[]): FrostSecret {
  // An empty refresh would hand back the old share as if it were new, and old shares must become useless.
  if (deltas.length === 0) throw new RangeError('a refresh needs at least one delta');
  let value = parseScalar(share.signingShare);
  for (const delta of deltas) value = Fn.add(value, parseScalar(delta));
  return { identifier: share.identifier, signingShare: ownedBytes(Fn.toBytes(value)) };
}

/**
 * The public package after a refresh whose dealers published `dealt` (each dealer's t−1 commitments):
 * C'_0 = C_0 (the group key), C'_j = C_j + Σ_i C_ij, and for each participant k, Y'_k = Y_k + Σ_i Σ_j k^j·C_ij.
 * The inputs are not modified.
 */
export function refreshPublic(pub: FrostPublic, dealt: string[][]): FrostPublic {
  const t = pub.signers.min;
  assertThreshold(t);
  if (pub.commitments.length !== t)
    throw new RangeError(`public package has ${pub.commitments.length} commitments, t=${t}`);
  if (dealt.length === 0) throw new RangeError('a refresh needs at least one dealer');

  // Σ_i C_ij per j: summing first evaluates each verifying share once instead of once per dealer.
  const sums: EdwardsPoint[] = [];
  dealt.forEach((commitments, dealer) => {
    if (commitments.length !== t - 1) {
      throw new RangeError(`dealer ${dealer} published ${commitments.length} commitments, expected ${t - 1}`);
    }
    commitments.forEach((hex, j) => {
      let point: EdwardsPoint;
      try {
        point = parsePointHex(hex);
      } catch (cause) {
        throw new RangeError(`dealer ${dealer} commitment ${j + 1} is not a valid point`, { cause });
      }
      sums[j] = sums[j] === undefined ? point : sums[j].add(point);
    });
  });

  // sums has exactly t−1 entries here (every dealer was checked to have t−1), one per commitment after C_0.
  const [groupKey, ...higher] = pub.commitments;
  const commitments = [
    ownedBytes(parsePoint(groupKey ?? new Uint8Array()).toBytes()),
    ...higher.map((bytes, j) =>
      ownedBytes(
        parsePoint(bytes)
          .add(sums[j] ?? ed25519.Point.ZERO)
          .toBytes(),
      ),
    ),
  ];
  const verifyingShares = Object.fromEntries(
    Object.entries(pub.verifyingShares).map(([identifier, bytes]) => {
      const k = parseScalar(Buffer.from(identifier, 'hex'));
      return [
        identifier,
        ownedBytes(
          parsePoint(bytes)
            .add(evaluateCommitment(k, sums, 1))
            .toBytes(),
        ),
      ];
    }),
  );
  return { signers: { min: pub.signers.min, max: pub.signers.max }, commitments, verifyingShares };
}
