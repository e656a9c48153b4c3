import { ServiceError } from '../errors';

/**
 * The ciphertext blob of a provider's Encrypt and GenerateDataKey: self-describing, so any provider holding the
 * key decrypts it without being told which key made it.
 *
 *   offset  size  field
 *   0       2     magic 'K' 'P'
 *   2       1     format 1 (AES-256-GCM)
 *   3       1     key id length n (1-128)
 *   4       n     key id (UTF-8)
 *   4+n     4     key version (uint32 big-endian, ≥ 1)
 *   8+n     12    IV
 *   20+n    …     ciphertext
 *   end−16  16    GCM tag
 *
 * The AAD is the header (bytes 0 … 20+n, IV included) followed by the canonical encryption context, so neither the
 * header nor the context can be changed without the tag failing.
 */
export const BLOB_MAGIC = Buffer.from('KP', 'latin1');
export const BLOB_FORMAT_AES_256_GCM = 1;
export const BLOB_IV_BYTES = 12;
export const BLOB_TAG_BYTES = 16;
export const MAX_BLOB_KEY_ID_BYTES = 128;

export interface BlobHeader {
  readonly keyId: string;
  readonly keyVersion: number;
  readonly iv: Buffer;
}

export interface ParsedBlob extends BlobHeader {
  /** The bytes the AAD starts with: everything before the ciphertext. */
  readonly header: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/** Bytes that are not a ciphertext blob of this format. Never quotes the bytes. */
export class BlobFormatError extends ServiceError {
  constructor(message: string) {
    super({ message: `not a KeyLedger ciphertext blob: ${message}`, problemType: 'invalid-request' });
  }
}

/** The header of a new blob: magic, format, key id, key version and IV. */
export function blobHeader(header: BlobHeader): Buffer {
  const keyId = Buffer.from(header.keyId, 'utf8');
  if (keyId.length < 1 || keyId.length > MAX_BLOB_KEY_ID_BYTES) {
    throw new BlobFormatError(`key id must be 1-${MAX_BLOB_KEY_ID_BYTES} bytes`);
  }
  if (!Number.isInteger(header.keyVersion) || header.keyVersion < 1 || header.keyVersion > 0xffff_ffff) {
    throw new BlobFormatError('key version must be a positive 32-bit integer');
  }
  if (header.iv.length !== BLOB_IV_BYTES) {
    throw new BlobFormatError(`IV must be ${BLOB_IV_BYTES} bytes`);
  }
  const version = Buffer.alloc(4);
  version.writeUInt32BE(header.keyVersion);
  return Buffer.concat([
    BLOB_MAGIC,
    Buffer.from([BLOB_FORMAT_AES_256_GCM, keyId.length]),
    keyId,
    version,
    header.iv,
  ]);
}

/** Header ‖ ciphertext ‖ tag. */
export function assembleBlob(header: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  return Buffer.concat([header, ciphertext, tag]);
}

/** Reads a blob's parts, checking its framing (not its tag: only a provider holding the key can). */
export function parseBlob(blob: Uint8Array): ParsedBlob {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < 4 || !bytes.subarray(0, 2).equals(BLOB_MAGIC)) {
    throw new BlobFormatError('bad magic');
  }
  if (bytes[2] !== BLOB_FORMAT_AES_256_GCM) {
    throw new BlobFormatError(`unsupported format ${String(bytes[2])}`);
  }
  const idLength = bytes[3] as number;
  const headerLength = 4 + idLength + 4 + BLOB_IV_BYTES;
  if (idLength < 1 || idLength > MAX_BLOB_KEY_ID_BYTES || bytes.length < headerLength + BLOB_TAG_BYTES) {
    throw new BlobFormatError('too short');
  }
  const keyVersion = bytes.readUInt32BE(4 + idLength);
  if (keyVersion < 1) {
    throw new BlobFormatError('key version 0');
  }
  return {
    keyId: bytes.subarray(4, 4 + idLength).toString('utf8'),
    keyVersion,
    iv: bytes.subarray(8 + idLength, headerLength),
    header: bytes.subarray(0, headerLength),
    ciphertext: bytes.subarray(headerLength, bytes.length - BLOB_TAG_BYTES),
    tag: bytes.subarray(bytes.length - BLOB_TAG_BYTES),
  };
}
