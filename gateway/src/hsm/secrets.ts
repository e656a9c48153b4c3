import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import type { KeyRef } from './keys';
import type { HsmToken } from './token';

export type SecretKeyKind = 'hmac' | 'aes';

export interface SecretImportOptions {
  readonly label: string;
  /** 'hmac' (CKK_GENERIC_SECRET, sign/verify) or 'aes' (CKK_AES, encrypt/decrypt). */
  readonly kind: SecretKeyKind;
  /** Token object (kept on disk) rather than a session object that dies with the session. */
  readonly persistent?: boolean;
  /** Extractable under a wrapping key only; for a short-lived copy that is wrapped once and destroyed. */
  readonly extractable?: boolean;
}

function idOf(label: string): Buffer {
  return createHash('sha256').update(label).digest().subarray(0, 16);
}

/**
 * Puts secret bytes that were computed outside a key object (an HKDF output is an HMAC result and leaves the
 * token as data) back into the token as a sensitive key, so every later use of them happens inside it. The
 * caller wipes its copy of `value` right after: the key then exists only in the token.
 */
export function importSecretKey(token: HsmToken, value: Uint8Array, options: SecretImportOptions): KeyRef {
  if (options.kind === 'aes' && value.length !== 16 && value.length !== 24 && value.length !== 32) {
    throw new HsmError({ message: `an AES key is 16, 24 or 32 bytes, not ${value.length}` });
  }
  if (value.length === 0) {
    throw new HsmError({ message: 'a secret key needs at least one byte' });
  }
  const id = idOf(options.label);
  const uses: pkcs11js.Template =
    options.kind === 'hmac'
      ? [
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_VERIFY, value: true },
        ]
      : [
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: true },
        ];
  const copy = Buffer.from(value);
  try {
    const handle = token.use('secret key import', (pkcs11, session) =>
      pkcs11.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        {
          type: pkcs11js.CKA_KEY_TYPE,
          value: options.kind === 'hmac' ? pkcs11js.CKK_GENERIC_SECRET : pkcs11js.CKK_AES,
        },
        { type: pkcs11js.CKA_VALUE, value: copy },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_TOKEN, value: options.persistent ?? false },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: options.extractable ?? false },
        ...uses,
      ]),
    );
    return { handle, label: options.label, id };
  } finally {
    copy.fill(0);
  }
}

/**
 * Runs `use` with `value` imported as a session key, then destroys the key object and wipes `value`, whatever
 * `use` does: the pattern for a derived key that must exist only for one call.
 */
export function withEphemeralSecret<T>(
  token: HsmToken,
  value: Buffer,
  options: Omit<SecretImportOptions, 'persistent'>,
  use: (key: KeyRef) => T,
): T {
  let key: KeyRef | undefined;
  try {
    key = importSecretKey(token, value, options);
    return use(key);
  } finally {
    value.fill(0);
    if (key) {
      const handle = key.handle;
      token.use('ephemeral key destruction', (pkcs11, session) => pkcs11.C_DestroyObject(session, handle));
    }
  }
}

const KCV_MESSAGE = Buffer.from('keyledger/key-check-value', 'utf8');

/**
 * Key check value of an HMAC key: the first 3 bytes of HMAC-SHA256_K("keyledger/key-check-value"). AES keys use
 * the AES-ECB KCV (`keyCheckValue`); a generic secret cannot encrypt, so it is checked by what it can do.
 */
export function hmacKeyCheckValue(token: HsmToken, key: KeyRef): string {
  return token.use('key check value', (pkcs11, session) => {
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key.handle);
    const mac = pkcs11.C_Sign(session, KCV_MESSAGE, Buffer.alloc(32));
    return mac.subarray(0, 3).toString('hex');
  });
}
