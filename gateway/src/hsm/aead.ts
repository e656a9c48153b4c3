import { randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import type { KeyRef } from './keys';
import type { HsmToken } from './token';

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface GcmCiphertext {
  readonly iv: Buffer;
  /** Ciphertext followed by the 16-byte tag, as PKCS#11 returns it. */
  readonly ciphertext: Buffer;
}

/**
 * AES-256-GCM inside the token; `aad` is authenticated, not encrypted. The IV is a fresh random 96-bit value
 * unless the caller made one (a format whose AAD covers its own IV must know it first); a caller-made IV must
 * be as fresh: one IV twice under one key breaks GCM.
 */
export function aesGcmEncrypt(
  token: HsmToken,
  key: KeyRef,
  plaintext: Uint8Array,
  aad: Uint8Array,
  iv: Buffer = randomBytes(GCM_IV_BYTES),
): GcmCiphertext {
  const ciphertext = token.use('AES-GCM encryption', (pkcs11, session) => {
    pkcs11.C_EncryptInit(session, gcm(iv, aad), key.handle);
    // No copy of the plaintext: a caller that wipes its buffer must leave no other copy behind.
    const data = Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext);
    return pkcs11.C_Encrypt(session, data, Buffer.alloc(plaintext.length + GCM_TAG_BYTES));
  });
  return { iv, ciphertext: Buffer.from(ciphertext) };
}

/**
 * Whether an error of {@link aesGcmDecrypt} means the tag did not verify (wrong key, AAD or tampering) rather than
 * a token failure. SoftHSM reports it as CKR_ENCRYPTED_DATA_INVALID or, from its OpenSSL backend, as
 * CKR_GENERAL_ERROR; a ciphertext shorter than a tag is CKR_ENCRYPTED_DATA_LEN_RANGE.
 */
export function isGcmTagFailure(error: unknown): boolean {
  return (
    error instanceof HsmError &&
    /ENCRYPTED_DATA_INVALID|ENCRYPTED_DATA_LEN_RANGE|GENERAL_ERROR/.test(error.ckr ?? error.message)
  );
}

/** Throws HsmError when the tag does not verify ({@link isGcmTagFailure}): wrong key, AAD or tampering. */
export function aesGcmDecrypt(token: HsmToken, key: KeyRef, sealed: GcmCiphertext, aad: Uint8Array): Buffer {
  return token.use('AES-GCM decryption', (pkcs11, session) => {
    pkcs11.C_DecryptInit(session, gcm(sealed.iv, aad), key.handle);
    // The plaintext is returned as the slice pkcs11js wrote, not copied, so wiping it wipes the only copy.
    return pkcs11.C_Decrypt(session, sealed.ciphertext, Buffer.alloc(sealed.ciphertext.length));
  });
}

function gcm(iv: Buffer, aad: Uint8Array): pkcs11js.Mechanism {
  const parameter: pkcs11js.AesGCM = {
    type: pkcs11js.CK_PARAMS_AES_GCM,
    iv,
    aad: Buffer.from(aad),
    ivBits: GCM_IV_BYTES * 8,
    tagBits: 128,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}
