import { ECDH } from 'node:crypto';
import type { CommitmentCurve } from '../../protocol/threshold';

/** Encoded size in bytes of one commitment: Ed25519 points are 32 bytes, SEC1 compressed points 33. */
export const POINT_BYTES: Readonly<Record<CommitmentCurve, number>> = {
  ed25519: 32,
  secp256k1: 33,
  p256: 33,
};

const OPENSSL_CURVE: Readonly<Record<'secp256k1' | 'p256', string>> = {
  secp256k1: 'secp256k1',
  p256: 'prime256v1',
};

// Edwards25519 (RFC 8032 §5.1): −x² + y² = 1 + d·x²·y² over GF(p), prime-order subgroup of order L.
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) {
      result = (result * b) % P;
    }
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const D = mod(-121665n * pow(121666n, P - 2n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Extended homogeneous coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z. */
type Extended = readonly [bigint, bigint, bigint, bigint];

/** RFC 8032 §5.1.4 addition; complete for a = −1, so it doubles too. */
function add([x1, y1, z1, t1]: Extended, [x2, y2, z2, t2]: Extended): Extended {
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(2n * D * t1 * t2);
  const d = mod(2n * z1 * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function multiply(point: Extended, scalar: bigint): Extended {
  let result: Extended = [0n, 1n, 1n, 0n];
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) {
      result = add(result, addend);
    }
    addend = add(addend, addend);
  }
  return result;
}

function isIdentity([x, y, z]: Extended): boolean {
  return x === 0n && mod(y - z) === 0n;
}

/** RFC 8032 §5.1.3 point decoding; undefined when the bytes encode no curve point. */
function decodeEd25519(bytes: Buffer): Extended | undefined {
  const le = Buffer.from(bytes).reverse();
  const sign = (le[0] ?? 0) >> 7;
  le[0] = (le[0] ?? 0) & 0x7f;
  const y = BigInt(`0x${le.toString('hex')}`);
  if (y >= P) {
    return undefined;
  }
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) {
      return undefined;
    }
    x = mod(x * SQRT_M1);
  }
  if (x === 0n && sign === 1) {
    return undefined;
  }
  if (Number(x & 1n) !== sign) {
    x = P - x;
  }
  return [x, y, 1n, mod(x * y)];
}

/**
 * Why a commitment is not acceptable, or undefined when it is. Module servers verify their shares against these
 * points (g^{s_i} = Π C_j^{i^j}), so a point off the curve, outside the prime-order group, or the identity (a zero
 * coefficient) would make the verification meaningless — reject it here rather than at reconstruction time.
 * Ed25519 points must lie in the order-L subgroup (no torsion component); the SEC1 curves have cofactor 1, so a
 * valid compressed encoding (02/03 prefix, x < p, on the curve — checked by OpenSSL) suffices.
 */
export function commitmentPointProblem(curve: CommitmentCurve, hex: string): string | undefined {
  const bytes = Buffer.from(hex, 'hex');
  const expected = POINT_BYTES[curve];
  if (bytes.length !== expected) {
    return `must be ${expected} bytes (${expected * 2} hex characters) for ${curve}, got ${bytes.length}`;
  }
  if (curve === 'ed25519') {
    const point = decodeEd25519(bytes);
    if (point === undefined) {
      return 'is not an Ed25519 curve point';
    }
    if (isIdentity(point)) {
      return 'is the identity element';
    }
    if (!isIdentity(multiply(point, L))) {
      return 'is not in the prime-order subgroup';
    }
    return undefined;
  }
  if (bytes[0] !== 0x02 && bytes[0] !== 0x03) {
    return 'must be a compressed point (prefix 02 or 03)';
  }
  try {
    ECDH.convertKey(bytes, OPENSSL_CURVE[curve], undefined, undefined, 'uncompressed');
  } catch {
    return `is not a ${curve} curve point`;
  }
  return undefined;
}
