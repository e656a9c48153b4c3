import { ed25519_FROST } from '@noble/curves/ed25519.js';

/** Share indices are one byte on the ledger: 1..255 (0 would be the secret itself). */
export const MAX_SHARE_INDEX = 255;

/** Throws RangeError unless `shareIndex` is an integer 1..255. */
export function assertShareIndex(shareIndex: number): void {
  if (!Number.isInteger(shareIndex) || shareIndex < 1 || shareIndex > MAX_SHARE_INDEX) {
    throw new RangeError(`share index must be an integer 1..${MAX_SHARE_INDEX}, got ${String(shareIndex)}`);
  }
}

/** The FROST identifier (32-byte little-endian scalar, lowercase hex) of a share index. */
export function identifierOf(shareIndex: number): string {
  assertShareIndex(shareIndex);
  return ed25519_FROST.Identifier.fromNumber(shareIndex);
}

/**
 * The share index of a FROST identifier; throws RangeError for anything but the canonical identifier of
 * 1..255 (a derived identifier, uppercase hex, wrong length) so two spellings never name one participant.
 */
export function shareIndexOf(identifier: string): number {
  if (typeof identifier !== 'string' || !/^[0-9a-f]{64}$/.test(identifier)) {
    throw new RangeError('identifier must be 64 lowercase hex characters');
  }
  const bytes = Buffer.from(identifier, 'hex');
  const index = bytes[0] ?? 0;
  if (index === 0 || bytes.subarray(1).some((b) => b !== 0)) {
    throw new RangeError(`identifier ${identifier} is not a share index 1..${MAX_SHARE_INDEX}`);
  }
  return index;
}

/** Parses a decimal share index as the ledger writes it ("1".."255", no sign, no leading zero). */
export function parseShareIndexKey(key: string): number {
  if (!/^[1-9][0-9]{0,2}$/.test(key)) throw new RangeError(`share index key must be decimal, got ${key}`);
  const index = Number(key);
  assertShareIndex(index);
  return index;
}
