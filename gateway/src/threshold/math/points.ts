import { ed25519 } from '@noble/curves/ed25519.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';

/** The ed25519 scalar field (mod L); FROST serializes its elements as 32-byte little-endian. */
export const Fn = ed25519.Point.Fn;

/** The bytes of a field element, point or identifier in FROST's serialization. */
export const SCALAR_BYTES = 32;

/**
 * Decodes a point the way RFC 9591 §3.1 DeserializeElement does: canonical encoding, on the curve, not the
 * identity and in the prime-order subgroup. A torsion component in a commitment would let a dealer hand out
 * verifying shares that FROST later rejects, so we refuse it where it enters rather than where it breaks.
 */
export function parsePoint(bytes: Uint8Array): EdwardsPoint {
  const point = ed25519.Point.fromBytes(bytes);
  point.assertValidity();
  if (point.is0()) throw new RangeError('point is the identity');
  if (!point.isTorsionFree()) throw new RangeError('point is not in the prime-order subgroup');
  return point;
}

/** Decodes a lowercase hex point (see {@link parsePoint}); uppercase is refused so ledger strings stay canonical. */
export function parsePointHex(hex: string): EdwardsPoint {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new RangeError('expected 64 lowercase hex characters for a point');
  return parsePoint(Buffer.from(hex, 'hex'));
}

/**
 * Decodes a canonical scalar (exactly 32 little-endian bytes, below L). Fn.fromBytes already refuses values
 * ≥ L; the length check gives a RangeError instead of noble's generic Error.
 */
export function parseScalar(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_BYTES) {
    throw new RangeError(`expected a ${SCALAR_BYTES}-byte scalar`);
  }
  return Fn.fromBytes(bytes);
}

/** s·G, also for s = 0, which Point.multiply refuses (a zero delta is legal, if improbable). */
export function mulBase(scalar: bigint): EdwardsPoint {
  return Fn.is0(scalar) ? ed25519.Point.ZERO : ed25519.Point.BASE.multiply(scalar);
}

/**
 * Σ_j x^(j+firstPower)·C_j — a Feldman commitment evaluated at x. FROST commitments start at x^0; refresh
 * commitments have no constant term and start at x^1.
 */
export function evaluateCommitment(
  x: bigint,
  commitments: readonly EdwardsPoint[],
  firstPower: number,
): EdwardsPoint {
  let power = Fn.pow(Fn.create(x), BigInt(firstPower));
  let sum = ed25519.Point.ZERO;
  for (const commitment of commitments) {
    sum = sum.add(commitment.multiply(power));
    power = Fn.mul(power, x);
  }
  return sum;
}

/**
 * A fresh copy with its own ArrayBuffer — the `Uint8Array<ArrayBuffer>` noble's package types ask for, and a
 * buffer the caller may wipe without touching ours.
 */
export function ownedBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes);
}
