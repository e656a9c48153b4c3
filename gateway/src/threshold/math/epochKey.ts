import { hkdfSync } from 'node:crypto';

/** HKDF info prefix; versioned by name so a future schedule can never collide with this one. */
export const EPOCH_KEY_LABEL = 'keyledger/threshold-epoch-key';

/** RFC 5869: at most 255 blocks of the hash (SHA-256: 32 bytes). */
const MAX_LENGTH = 255 * 32;

function assertLabel(value: string, name: string): void {
  // The fields are NUL-separated, so a NUL inside one would let two different (keyId, purpose) pairs share an info.
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) {
    throw new RangeError(`${name} must be a non-empty string without NUL`);
  }
}

/**
 * The HKDF info: label ‖ 0x00 ‖ keyId ‖ 0x00 ‖ u64be(epoch) ‖ 0x00 ‖ purpose. Exported so other implementations
 * (and tests) can check they derive the same bytes.
 */
export function epochKeyInfo(keyId: string, epoch: number, purpose: string): Buffer {
  assertLabel(keyId, 'keyId');
  assertLabel(purpose, 'purpose');
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new RangeError(`epoch must be a safe integer ≥ 0, got ${String(epoch)}`);
  const epochBytes = Buffer.alloc(8);
  epochBytes.writeBigUInt64BE(BigInt(epoch));
  const nul = Buffer.of(0);
  return Buffer.concat([
    Buffer.from(EPOCH_KEY_LABEL, 'utf8'),
    nul,
    Buffer.from(keyId, 'utf8'),
    nul,
    epochBytes,
    nul,
    Buffer.from(purpose, 'utf8'),
  ]);
}

/**
 * A symmetric key for one (key, epoch, purpose), HKDF-SHA256 from the group secret with a zero salt (the secret
 * is already uniform; RFC 5869 §3.1). The secret is not retained; the caller wipes both it and the result.
 */
export function deriveEpochKey(
  groupSecret: Uint8Array,
  keyId: string,
  epoch: number,
  purpose: string,
  length = 32,
): Buffer {
  if (!(groupSecret instanceof Uint8Array) || groupSecret.length !== 32)
    throw new RangeError('group secret must be 32 bytes');
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
    throw new RangeError(`length must be an integer 1..${MAX_LENGTH}, got ${String(length)}`);
  }
  const info = epochKeyInfo(keyId, epoch, purpose);
  // Buffer.from(ArrayBuffer) is a view, not a copy: the only key bytes in memory are the ones returned.
  return Buffer.from(hkdfSync('sha256', groupSecret, Buffer.alloc(32), info, length));
}
