import { EnvelopeError } from './errors';
/**
 * The sealed-message envelope of a queue message:
 *
 *   offset  size  field
 *   0       2     magic 'KL' (0x4b 0x4c)
 *   2       1     format (1 = AES-256-GCM, 96-bit IV, 128-bit tag)
 *   3       4     key version, unsigned 32-bit big-endian
 *   7       12    IV (random per message)
 *   19      n     ciphertext
 *   19+n    16    GCM tag
 *
 * AAD = UTF-8 of `${queueId}\u0000${version}`: a message sealed for one queue, or relabelled with another
 * version, does not authenticate. The header itself is not in the AAD, but every header field is bound
 * anyway: the version through the AAD, the IV through GCM, the magic and format by being checked.
 */

export const ENVELOPE_MAGIC_0 = 0x4b; // 'K'
export const ENVELOPE_MAGIC_1 = 0x4c; // 'L'
export const ENVELOPE_FORMAT_AES_256_GCM = 1;
export const ENVELOPE_IV_OFFSET = 7;
export const ENVELOPE_IV_BYTES = 12;
export const ENVELOPE_HEADER_BYTES = ENVELOPE_IV_OFFSET + ENVELOPE_IV_BYTES;
export const ENVELOPE_TAG_BYTES = 16;
export const ENVELOPE_OVERHEAD = ENVELOPE_HEADER_BYTES + ENVELOPE_TAG_BYTES;
export const MAX_KEY_VERSION = 0xffffffff;

/** A malformed or foreign envelope. The message never quotes envelope bytes. */

/** AAD of a queue and key version. Compute once per key version, not per message. */
export function envelopeAad(queueId: string, version: number): Buffer {
  return Buffer.from(`${queueId}\u0000${version}`, 'utf8');
}

/**
 * Writes the header (magic, format, version) into a buffer of `ENVELOPE_OVERHEAD + plaintext length` bytes.
 * The IV is left for the caller to fill (randomFillSync at ENVELOPE_IV_OFFSET).
 */
export function writeEnvelopeHeader(envelope: Buffer, version: number): void {
  envelope[0] = ENVELOPE_MAGIC_0;
  envelope[1] = ENVELOPE_MAGIC_1;
  envelope[2] = ENVELOPE_FORMAT_AES_256_GCM;
  envelope.writeUInt32BE(version, 3);
}

/**
 * The key version of an envelope, after checking magic, format and minimum length. Throws EnvelopeError.
 */
export function envelopeVersion(envelope: Uint8Array): number {
  if (envelope.length < ENVELOPE_OVERHEAD) {
    throw new EnvelopeError({
      message: `envelope too short: ${envelope.length} bytes, at least ${ENVELOPE_OVERHEAD} expected`,
    });
  }
  if (envelope[0] !== ENVELOPE_MAGIC_0 || envelope[1] !== ENVELOPE_MAGIC_1) {
    throw new EnvelopeError({ message: 'not a KeyLedger envelope (bad magic)' });
  }
  if (envelope[2] !== ENVELOPE_FORMAT_AES_256_GCM) {
    throw new EnvelopeError({ message: `unsupported envelope format ${String(envelope[2])}` });
  }
  const version =
    (((envelope[3] as number) << 24) |
      ((envelope[4] as number) << 16) |
      ((envelope[5] as number) << 8) |
      (envelope[6] as number)) >>>
    0;
  if (version === 0) {
    throw new EnvelopeError({ message: 'envelope names key version 0, which never exists' });
  }
  return version;
}

/** Views (no copies) of the IV, ciphertext and tag of an envelope already checked by {@link envelopeVersion}. */
export function envelopeParts(envelope: Uint8Array): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const bytes = Buffer.isBuffer(envelope)
    ? envelope
    : Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const tagStart = bytes.length - ENVELOPE_TAG_BYTES;
  return {
    iv: bytes.subarray(ENVELOPE_IV_OFFSET, ENVELOPE_HEADER_BYTES),
    ciphertext: bytes.subarray(ENVELOPE_HEADER_BYTES, tagStart),
    tag: bytes.subarray(tagStart),
  };
}
