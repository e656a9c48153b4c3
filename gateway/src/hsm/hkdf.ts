import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import type { KeyRef } from './keys';
import { withEphemeralSecret } from './secrets';
import type { HsmToken } from './token';

/** SHA-256's output length: HKDF's HashLen. */
export const HKDF_HASH_BYTES = 32;
const MAX_OUTPUT = 255 * HKDF_HASH_BYTES;

/**
 * HKDF-Extract (RFC 5869 §2.2) with the HMAC computed by the token: PRK = HMAC-SHA256(salt, IKM). The salt
 * becomes a session HMAC key for the one call (an absent salt is HashLen zero bytes, as the RFC says). The PRK
 * leaves the token as the HMAC's output; a caller that keeps it imports it back with `importSecretKey`.
 *
 * SoftHSM 2.6.1 has no CKM_HKDF_DERIVE, so HKDF is built here from CKM_SHA256_HMAC, the one primitive it needs.
 */
export function hkdfExtract(token: HsmToken, salt: Uint8Array | undefined, ikm: Uint8Array): Buffer {
  // SoftHSM refuses HMAC-SHA256 keys under 32 bytes (CKR_KEY_SIZE_RANGE). HMAC pads every key shorter than the
  // 64-byte block with zero bytes (RFC 2104 §2), so the salt zero-padded to 32 bytes is the same HMAC key.
  const saltKey = Buffer.alloc(Math.max(HKDF_HASH_BYTES, salt?.length ?? 0));
  if (salt) {
    Buffer.from(salt.buffer, salt.byteOffset, salt.length).copy(saltKey);
  }
  return withEphemeralSecret(token, saltKey, { label: 'keyledger-hkdf-salt', kind: 'hmac' }, (key) =>
    hmacInToken(token, key, ikm),
  );
}

/**
 * HKDF-Expand (RFC 5869 §2.3) keyed by a PRK that is a key object in the token (an HMAC generic secret):
 * T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i), OKM = the first `length` bytes of T(1) ‖ T(2) ‖ …. Every HMAC runs in
 * the token; the intermediate blocks are wiped as soon as they are copied out.
 */
export function hkdfExpand(token: HsmToken, prk: KeyRef, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > MAX_OUTPUT) {
    throw new HsmError({ message: `HKDF-Expand output must be 1..${MAX_OUTPUT} bytes, not ${length}` });
  }
  const blocks = Math.ceil(length / HKDF_HASH_BYTES);
  const okm = Buffer.alloc(length);
  // T(i-1) ‖ info ‖ i, reused for every block.
  const input = Buffer.alloc(HKDF_HASH_BYTES + info.length + 1);
  let previous: Buffer | undefined;
  try {
    for (let i = 1; i <= blocks; i += 1) {
      let offset = 0;
      if (previous) {
        previous.copy(input, 0);
        offset = HKDF_HASH_BYTES;
      }
      Buffer.from(info.buffer, info.byteOffset, info.length).copy(input, offset);
      input[offset + info.length] = i;
      const block = hmacInToken(token, prk, input.subarray(0, offset + info.length + 1));
      block.copy(
        okm,
        (i - 1) * HKDF_HASH_BYTES,
        0,
        Math.min(HKDF_HASH_BYTES, length - (i - 1) * HKDF_HASH_BYTES),
      );
      previous?.fill(0);
      previous = block;
    }
    return okm;
  } finally {
    previous?.fill(0);
    input.fill(0);
  }
}

function hmacInToken(token: HsmToken, key: KeyRef, data: Uint8Array): Buffer {
  return token.use('HKDF HMAC-SHA256', (pkcs11, session) => {
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key.handle);
    // Passed and returned without copies: a copy of a PRK block would be a secret nobody wipes.
    const message = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
    return pkcs11.C_Sign(session, message, Buffer.alloc(HKDF_HASH_BYTES));
  });
}
