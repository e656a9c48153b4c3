import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomFillSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { aesGcmDecrypt, aesGcmEncrypt, HsmError, isGcmTagFailure, type HsmToken, type KeyRef } from '../hsm';
import { DecryptionError } from './errors';
import {
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_IV_BYTES,
  ENVELOPE_IV_OFFSET,
  ENVELOPE_OVERHEAD,
  ENVELOPE_TAG_BYTES,
  envelopeParts,
  writeEnvelopeHeader,
} from './envelope';

/** The ciphertext does not authenticate under this key version and AAD: wrong key, queue or tampering. */

/** Where a front-end keeps the message keys it encrypts with. */
export type KeyResidence = 'memory' | 'hsm';

/** AES-256-GCM under one key version, producing and opening whole envelopes. */
export interface VersionCipher {
  readonly residence: KeyResidence;
  /** The complete envelope (header, ciphertext, tag) — the only per-message allocation. */
  seal(version: number, aad: Buffer, plaintext: Uint8Array): Buffer;
  /** Opens an envelope already checked by `envelopeVersion`; throws DecryptionError. */
  open(envelope: Uint8Array, aad: Buffer): Buffer;
  /** Drops the key. Token objects are destroyed by their owner, not here. */
  dispose(): void;
}

const GCM = 'aes-256-gcm';
const GCM_OPTIONS = { authTagLength: ENVELOPE_TAG_BYTES } as const;

/**
 * Key held in process memory as a Node KeyObject (its bytes live in native memory, outside the JS heap, and
 * never print). What the encrypt hot path uses: no PKCS#11 round trip per message.
 */
export class MemoryCipher implements VersionCipher {
  readonly residence = 'memory' as const;
  #key: KeyObject | undefined;

  constructor(key: KeyObject) {
    if (key.type !== 'secret' || key.symmetricKeySize !== 32) {
      throw new Error('MemoryCipher needs an AES-256 secret key');
    }
    this.#key = key;
  }

  seal(version: number, aad: Buffer, plaintext: Uint8Array): Buffer {
    const key = this.#usable();
    const envelope = Buffer.allocUnsafe(ENVELOPE_OVERHEAD + plaintext.length);
    writeEnvelopeHeader(envelope, version);
    randomFillSync(envelope, ENVELOPE_IV_OFFSET, ENVELOPE_IV_BYTES);
    const iv = envelope.subarray(ENVELOPE_IV_OFFSET, ENVELOPE_HEADER_BYTES);
    const cipher = createCipheriv(GCM, key, iv, GCM_OPTIONS);
    cipher.setAAD(aad);
    let offset = ENVELOPE_HEADER_BYTES + cipher.update(plaintext).copy(envelope, ENVELOPE_HEADER_BYTES);
    offset += cipher.final().copy(envelope, offset);
    cipher.getAuthTag().copy(envelope, offset);
    return envelope;
  }

  open(envelope: Uint8Array, aad: Buffer): Buffer {
    const key = this.#usable();
    const bytes = Buffer.isBuffer(envelope)
      ? envelope
      : Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    const tagStart = bytes.length - ENVELOPE_TAG_BYTES;
    const decipher = createDecipheriv(
      GCM,
      key,
      bytes.subarray(ENVELOPE_IV_OFFSET, ENVELOPE_HEADER_BYTES),
      GCM_OPTIONS,
    );
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(tagStart));
    const plaintext = decipher.update(bytes.subarray(ENVELOPE_HEADER_BYTES, tagStart));
    try {
      decipher.final();
    } catch {
      plaintext.fill(0);
      throw new DecryptionError({ message: 'message does not authenticate under its key version and queue' });
    }
    return plaintext;
  }

  dispose(): void {
    this.#key = undefined;
  }

  #usable(): KeyObject {
    if (this.#key === undefined) {
      throw new Error('key version was disposed');
    }
    return this.#key;
  }
}

/** Key that never leaves the token: every message is one C_EncryptInit/C_Encrypt in SoftHSM. */
export class TokenCipher implements VersionCipher {
  readonly residence = 'hsm' as const;
  readonly #token: HsmToken;
  #key: KeyRef | undefined;

  constructor(token: HsmToken, key: KeyRef) {
    this.#token = token;
    this.#key = key;
  }

  seal(version: number, aad: Buffer, plaintext: Uint8Array): Buffer {
    const { iv, ciphertext } = aesGcmEncrypt(this.#token, this.#usable(), plaintext, aad);
    const envelope = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + ciphertext.length);
    writeEnvelopeHeader(envelope, version);
    iv.copy(envelope, ENVELOPE_IV_OFFSET);
    ciphertext.copy(envelope, ENVELOPE_HEADER_BYTES);
    return envelope;
  }

  open(envelope: Uint8Array, aad: Buffer): Buffer {
    const { iv } = envelopeParts(envelope);
    const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    try {
      return aesGcmDecrypt(
        this.#token,
        this.#usable(),
        { iv, ciphertext: bytes.subarray(ENVELOPE_HEADER_BYTES) },
        aad,
      );
    } catch (error) {
      if (isGcmTagFailure(error)) {
        throw new DecryptionError({
          message: 'message does not authenticate under its key version and queue',
        });
      }
      throw error;
    }
  }

  dispose(): void {
    this.#key = undefined;
  }

  #usable(): KeyRef {
    if (this.#key === undefined) {
      throw new Error('key version was disposed');
    }
    return this.#key;
  }
}

/** The 3-byte AES key check value (AES-ECB of a zero block), as `keyCheckValue` computes it in a token. */
export function keyCheckValueOf(key: KeyObject): string {
  const cipher = createCipheriv('aes-256-ecb', key, null);
  cipher.setAutoPadding(false);
  const block = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
  return block.subarray(0, 3).toString('hex');
}

/** Constant-time comparison of two hex key check values (case-insensitive). */
export function sameKeyCheckValue(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Reads the value of a non-sensitive session key (see `unwrapKeyFromSender({readable: true})`) into a
 * KeyObject and wipes the intermediate buffer. The caller destroys the session object right after.
 */
export function readSessionKey(token: HsmToken, key: KeyRef): KeyObject {
  const value = token.use('reading an unwrapped session key', (pkcs11, session) => {
    const [attribute] = pkcs11.C_GetAttributeValue(session, key.handle, [{ type: pkcs11js.CKA_VALUE }]);
    return attribute?.value;
  });
  if (!Buffer.isBuffer(value) || value.length !== 32) {
    if (Buffer.isBuffer(value)) {
      value.fill(0);
    }
    throw new HsmError({ message: 'token returned no AES-256 key value' });
  }
  try {
    return createSecretKey(value);
  } finally {
    value.fill(0);
  }
}
