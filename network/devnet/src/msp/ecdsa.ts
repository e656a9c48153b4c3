import { createPrivateKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { MspError } from './types';

/**
 * ECDSA P-256 signatures as Fabric's BCCSP (`bccsp/sw/ecdsa.go`) produces and accepts them:
 * SHA-256 digest, ASN.1 DER `SEQUENCE{INTEGER r, INTEGER s}`, with S in the lower half of the
 * curve order. Fabric rejects high-S signatures to rule out signature malleability (the same
 * message has two valid signatures (r, s) and (r, n-s)); Node's crypto produces either.
 */

/** Order n of the P-256 group. */
export const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
/** floor(n / 2): the largest S Fabric accepts. */
export const P256_HALF_ORDER = P256_ORDER >> 1n;

/** The two integers of an ECDSA signature. */
export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
}

/** Thrown for signature bytes that are not a strict DER ECDSA signature. */
export class SignatureEncodingError extends MspError {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureEncodingError';
  }
}

function readLength(der: Uint8Array, offset: number): { length: number; next: number } {
  const first = der[offset];
  if (first === undefined)
    throw new SignatureEncodingError('failed unmashalling signature: truncated length');
  if (first < 0x80) return { length: first, next: offset + 1 };
  const count = first & 0x7f;
  // A signature is < 128 bytes; DER requires the short form below 128, so one length byte >= 0x80 at most.
  if (count !== 1)
    throw new SignatureEncodingError('failed unmashalling signature: unsupported length encoding');
  const value = der[offset + 1];
  if (value === undefined || value < 0x80) {
    throw new SignatureEncodingError('failed unmashalling signature: non-minimal length encoding');
  }
  return { length: value, next: offset + 2 };
}

function readInteger(der: Uint8Array, offset: number): { value: bigint; next: number } {
  if (der[offset] !== 0x02)
    throw new SignatureEncodingError('failed unmashalling signature: expected INTEGER');
  const { length, next } = readLength(der, offset + 1);
  const end = next + length;
  if (length === 0 || end > der.length) {
    throw new SignatureEncodingError('failed unmashalling signature: bad INTEGER length');
  }
  const bytes = der.subarray(next, end);
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  if (b0 & 0x80) throw new SignatureEncodingError('failed unmashalling signature: negative INTEGER');
  if (bytes.length > 1 && b0 === 0 && (b1 & 0x80) === 0) {
    throw new SignatureEncodingError('failed unmashalling signature: non-minimal INTEGER');
  }
  return { value: BigInt('0x' + Buffer.from(bytes).toString('hex')), next: end };
}

/**
 * Parses a strict DER ECDSA signature. Like Fabric's `UnmarshalECDSASignature`, R and S must be
 * positive; unlike Go's lenient `asn1.Unmarshal`, trailing bytes are refused.
 * @throws SignatureEncodingError
 */
export function parseDerSignature(der: Uint8Array): EcdsaSignature {
  if (der[0] !== 0x30) throw new SignatureEncodingError('failed unmashalling signature: expected SEQUENCE');
  const { length, next } = readLength(der, 1);
  if (next + length !== der.length) {
    throw new SignatureEncodingError('failed unmashalling signature: SEQUENCE length does not match');
  }
  const r = readInteger(der, next);
  const s = readInteger(der, r.next);
  if (s.next !== der.length) throw new SignatureEncodingError('failed unmashalling signature: trailing data');
  if (r.value === 0n) throw new SignatureEncodingError('invalid signature, R must be larger than zero');
  if (s.value === 0n) throw new SignatureEncodingError('invalid signature, S must be larger than zero');
  return { r: r.value, s: s.value };
}

function integerBytes(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  const raw = Buffer.from(hex, 'hex');
  // A leading 0x00 keeps a value with the top bit set positive.
  return (raw[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw;
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

/** Encodes (r, s) as DER `SEQUENCE{INTEGER r, INTEGER s}`. */
export function encodeDerSignature(signature: EcdsaSignature): Uint8Array {
  const r = integerBytes(signature.r);
  const s = integerBytes(signature.s);
  const body = Buffer.concat([
    Buffer.from([0x02]),
    derLength(r.length),
    r,
    Buffer.from([0x02]),
    derLength(s.length),
    s,
  ]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]));
}

/** True when S is at most half the P-256 order, the form Fabric requires. @throws SignatureEncodingError */
export function isLowS(der: Uint8Array): boolean {
  return parseDerSignature(der).s <= P256_HALF_ORDER;
}

/**
 * Returns the signature with S replaced by n - S when S is in the upper half — an equally valid
 * signature that Fabric accepts. Low-S input is returned re-encoded but unchanged.
 * @throws SignatureEncodingError
 */
export function toLowS(der: Uint8Array): Uint8Array {
  const { r, s } = parseDerSignature(der);
  return encodeDerSignature({ r, s: s > P256_HALF_ORDER ? P256_ORDER - s : s });
}

/** Converts a raw IEEE P1363 (r‖s, 64 bytes) signature, as WebCrypto produces, to low-S in place. */
export function toLowSP1363(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) return raw;
  const s = BigInt('0x' + Buffer.from(raw.subarray(32)).toString('hex'));
  if (s <= P256_HALF_ORDER) return raw;
  const low = (P256_ORDER - s).toString(16).padStart(64, '0');
  raw.set(Buffer.from(low, 'hex'), 32);
  return raw;
}

/** Signs SHA-256(message) with an EC P-256 key; the result is DER and low-S. */
export function signMessage(privateKey: KeyObject | string, message: Uint8Array): Uint8Array {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const der = nodeSign('sha256', message, { key, dsaEncoding: 'der' });
  // Node's DER is already strict and minimal: only a high S needs re-encoding (about half the signatures)
  return derHasLowS(der) ? new Uint8Array(der) : toLowS(der);
}

const HALF_ORDER_BYTES = Buffer.from(P256_HALF_ORDER.toString(16).padStart(64, '0'), 'hex');

/**
 * Fast check on a signature Node just produced: short-form SEQUENCE{INTEGER r, INTEGER s} with S ≤ n/2.
 * Anything unexpected answers false, so the caller takes the slow, strict path.
 */
function derHasLowS(der: Uint8Array): boolean {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[2] !== 0x02) return false;
  const rLength = der[3] ?? 0x80;
  if (rLength >= 0x80) return false;
  const sTag = 4 + rLength;
  if (der[sTag] !== 0x02 || sTag + 2 + (der[sTag + 1] ?? 0) !== der.length) return false;
  let s = der.subarray(sTag + 2);
  if (s[0] === 0) s = s.subarray(1);
  if (s.length !== 32) return s.length < 32;
  return Buffer.compare(s, HALF_ORDER_BYTES) <= 0;
}

/**
 * Verifies a DER signature over SHA-256(message). As Fabric's `verifyECDSA`, a high-S signature is an
 * error rather than a mere mismatch.
 * @returns false when the signature does not match
 * @throws SignatureEncodingError for malformed DER; MspError for high S
 */
export function verifyMessage(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  const { s } = parseDerSignature(signature);
  if (s > P256_HALF_ORDER) {
    throw new MspError(
      `Invalid S. Must be smaller than half the order [${s.toString()}][${P256_HALF_ORDER.toString()}].`,
    );
  }
  return nodeVerify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature);
}
