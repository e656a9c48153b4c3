import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';
import { secp256k1 } from '@noble/curves/secp256k1';
import type { CommitmentCurve } from '../../protocol/threshold';

/** Encoded size in bytes of one commitment: Ed25519 points are 32 bytes, SEC1 compressed points 33. */
export const POINT_BYTES: Readonly<Record<CommitmentCurve, number>> = {
  ed25519: 32,
  secp256k1: 33,
  p256: 33,
};

/** The SEC1 curves' point classes (cofactor 1: every valid point is in the prime-order group). */
const SEC1_POINTS = {
  secp256k1: secp256k1.ProjectivePoint,
  p256: p256.ProjectivePoint,
} as const;

/**
 * Why an Ed25519 encoding is not a prime-order-subgroup point, or undefined. Decoding is strict RFC 8032 §5.1.3
 * (`zip215 = false`): y ≥ p and x = 0 with the sign bit set are refused, so every point has one encoding and
 * equal points compare equal as hex.
 */
function ed25519Problem(hex: string): string | undefined {
  let point: InstanceType<typeof ed25519.ExtendedPoint>;
  try {
    point = ed25519.ExtendedPoint.fromHex(hex, false);
  } catch {
    return 'is not an Ed25519 curve point';
  }
  if (point.is0()) {
    return 'is the identity element';
  }
  try {
    point.assertValidity();
  } catch {
    return 'is not an Ed25519 curve point';
  }
  if (!point.isTorsionFree()) {
    return 'is not in the prime-order subgroup';
  }
  return undefined;
}

/**
 * Why a commitment is not acceptable, or undefined when it is. Module servers verify their shares against these
 * points (g^{s_i} = Π C_j^{i^j}), so a point off the curve, outside the prime-order group, or the identity (a zero
 * coefficient) would make the verification meaningless — reject it here rather than at reconstruction time.
 * Ed25519 points must lie in the order-L subgroup (no torsion component); the SEC1 curves have cofactor 1, so a
 * valid compressed encoding (02/03 prefix, x < p, on the curve) suffices. The curve arithmetic is @noble/curves'
 * (audited, constant inputs only here), the same library the gateway's FROST code uses, so both sides agree on
 * what a valid point is.
 */
export function commitmentPointProblem(curve: CommitmentCurve, hex: string): string | undefined {
  const bytes = Buffer.from(hex, 'hex');
  const expected = POINT_BYTES[curve];
  if (bytes.length !== expected) {
    return `must be ${expected} bytes (${expected * 2} hex characters) for ${curve}, got ${bytes.length}`;
  }
  if (curve === 'ed25519') {
    return ed25519Problem(bytes.toString('hex'));
  }
  if (bytes[0] !== 0x02 && bytes[0] !== 0x03) {
    return 'must be a compressed point (prefix 02 or 03)';
  }
  try {
    SEC1_POINTS[curve].fromHex(bytes.toString('hex')).assertValidity();
  } catch {
    return `is not a ${curve} curve point`;
  }
  return undefined;
}
