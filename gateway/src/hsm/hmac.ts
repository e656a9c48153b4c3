import * as pkcs11js from 'pkcs11js';
import type { KeyRef } from './keys';
import type { HsmToken } from './token';

export interface HmacKeyOptions {
  readonly label: string;
  readonly persistent?: boolean;
}

/** A 256-bit generic secret for HMAC-SHA256, generated in the token, never extractable. */
export function generateHmacKey(token: HsmToken, options: HmacKeyOptions): KeyRef {
  const id = Buffer.from(options.label, 'utf8').subarray(0, 32);
  const handle = token.use('HMAC key generation', (pkcs11, session) =>
    pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: options.label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_TOKEN, value: options.persistent ?? false },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_VERIFY, value: true },
    ]),
  );
  return { handle, label: options.label, id };
}

export function hmacSha256(token: HsmToken, key: KeyRef, data: Uint8Array): Buffer {
  return token.use('HMAC-SHA256', (pkcs11, session) => {
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key.handle);
    return Buffer.from(pkcs11.C_Sign(session, Buffer.from(data), Buffer.alloc(32)));
  });
}

/** Constant-time check inside the token (C_Verify). */
export function hmacSha256Verify(token: HsmToken, key: KeyRef, data: Uint8Array, mac: Uint8Array): boolean {
  return token.use('HMAC-SHA256 verification', (pkcs11, session) => {
    pkcs11.C_VerifyInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key.handle);
    try {
      return pkcs11.C_Verify(session, Buffer.from(data), Buffer.from(mac));
    } catch {
      return false;
    }
  });
}
