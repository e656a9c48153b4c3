import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import { generateEcKeyPair, type KeyRef } from './keys';
import type { SecretKeyKind } from './secrets';
import type { HsmToken } from './token';

const CKM_AES_KEY_WRAP_PAD = 0x210a;
const KDF_LABEL = 'keyledger/key-wrap/v1';

/** A key wrapped for one recipient: what travels (and may sit on the ledger). Nothing here is secret. */
export interface WrappedKey {
  /** The sender's one-time ECDH public point (65 bytes). */
  readonly ephemeralPublicKey: Buffer;
  /** RFC 5649 AES key wrap with padding of the key, under the derived key-encryption key. */
  readonly wrappedKey: Buffer;
}

/**
 * Key-encryption key for one (ephemeral, recipient) pair, derived without the shared secret ever leaving the
 * token: ECDH (CKD_NULL, the only KDF SoftHSM offers) gives Z as an AES key; CKM_AES_CBC_ENCRYPT_DATA then
 * derives the KEK as AES-CBC_Z(IV=0, SHA-256(label ‖ ephemeral point ‖ recipient point ‖ context)) — a
 * deterministic PRF-based KDF in the spirit of SP 800-108 that binds the KEK to both public keys and the
 * caller's context (queue and version), so a wrapped key cannot be replayed under another context.
 */
function deriveKek(
  pkcs11: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  privateKey: pkcs11js.Handle,
  peerPoint: Buffer,
  ephemeralPoint: Buffer,
  recipientPoint: Buffer,
  context: Uint8Array,
): pkcs11js.Handle {
  const ecdh: pkcs11js.ECDH1 = {
    type: pkcs11js.CK_PARAMS_EC_DH,
    kdf: pkcs11js.CKD_NULL,
    publicData: peerPoint,
  };
  const shared = pkcs11.C_DeriveKey(
    session,
    { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter: ecdh },
    privateKey,
    secretTemplate([{ type: pkcs11js.CKA_DERIVE, value: true }]),
  );
  try {
    const info = createHash('sha256')
      .update(KDF_LABEL)
      .update(ephemeralPoint)
      .update(recipientPoint)
      .update(context)
      .digest();
    const cbc: pkcs11js.AesCBC = { type: pkcs11js.CK_PARAMS_AES_CBC, iv: Buffer.alloc(16), data: info };
    return pkcs11.C_DeriveKey(
      session,
      { mechanism: pkcs11js.CKM_AES_CBC_ENCRYPT_DATA, parameter: cbc },
      shared,
      secretTemplate([
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_UNWRAP, value: true },
      ]),
    );
  } finally {
    pkcs11.C_DestroyObject(session, shared);
  }
}

function secretTemplate(extra: pkcs11js.Template): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    ...extra,
  ];
}

function checkPoint(point: Uint8Array, what: string): Buffer {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new HsmError({ message: `${what} must be an uncompressed P-256 point (65 bytes)` });
  }
  return Buffer.from(point);
}

/** Wraps an extractable key for a recipient's P-256 public point (ECDH-ES with a one-time sender key). */
export function wrapKeyForRecipient(
  token: HsmToken,
  key: KeyRef,
  recipientPoint: Uint8Array,
  context: Uint8Array,
): WrappedKey {
  const recipient = checkPoint(recipientPoint, 'recipient public key');
  const ephemeral = generateEcKeyPair(token, {
    label: 'keyledger-ephemeral',
    sign: false,
    derive: true,
    assignId: false,
  });
  try {
    return token.use('key wrapping', (pkcs11, session) => {
      const kek = deriveKek(
        pkcs11,
        session,
        ephemeral.privateKey.handle,
        recipient,
        ephemeral.publicPoint,
        recipient,
        context,
      );
      try {
        const wrapped = pkcs11.C_WrapKey(
          session,
          { mechanism: CKM_AES_KEY_WRAP_PAD },
          kek,
          key.handle,
          Buffer.alloc(64),
        );
        return { ephemeralPublicKey: Buffer.from(ephemeral.publicPoint), wrappedKey: Buffer.from(wrapped) };
      } finally {
        pkcs11.C_DestroyObject(session, kek);
      }
    });
  } finally {
    token.use('ephemeral key destruction', (pkcs11, session) => {
      pkcs11.C_DestroyObject(session, ephemeral.privateKey.handle);
      pkcs11.C_DestroyObject(session, ephemeral.publicKey.handle);
    });
  }
}

export interface UnwrapOptions {
  readonly label: string;
  readonly persistent?: boolean;
  /** The recipient's own public point, part of the KDF input. */
  readonly recipientPoint: Uint8Array;
  readonly context: Uint8Array;
  /**
   * Unwrap a readable key (CKA_SENSITIVE false, CKA_EXTRACTABLE true — PKCS#11 reveals CKA_VALUE only then)
   * instead of the default sensitive, non-extractable one. Only for a short-lived session copy whose value
   * the caller reads once into process memory and destroys (a front-end's in-memory key cache); never with
   * `persistent`.
   */
  readonly readable?: boolean;
  /** 'aes' (default: an AES-256 encryption key) or 'hmac' (a generic secret for HMAC / HKDF). */
  readonly kind?: SecretKeyKind;
}

/**
 * Unwraps into the recipient's token as a sensitive, non-extractable AES-256 key (or HMAC secret, `kind`). Fails with an HsmError when
 * the wrapped key was not made for this recipient and context (AES key wrap's integrity check).
 */
export function unwrapKeyFromSender(
  token: HsmToken,
  recipientPrivateKey: KeyRef,
  wrapped: WrappedKey,
  options: UnwrapOptions,
): KeyRef {
  const ephemeral = checkPoint(wrapped.ephemeralPublicKey, 'ephemeral public key');
  const recipient = checkPoint(options.recipientPoint, 'recipient public key');
  const readable = options.readable ?? false;
  const hmac = options.kind === 'hmac';
  if (readable && options.persistent) {
    throw new HsmError({ message: 'a readable (non-sensitive) key must not be a token object' });
  }
  const id = createHash('sha256').update(options.label).digest().subarray(0, 16);
  const handle = token.use('key unwrapping', (pkcs11, session) => {
    const kek = deriveKek(
      pkcs11,
      session,
      recipientPrivateKey.handle,
      ephemeral,
      ephemeral,
      recipient,
      options.context,
    );
    try {
      return pkcs11.C_UnwrapKey(session, { mechanism: CKM_AES_KEY_WRAP_PAD }, kek, wrapped.wrappedKey, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        {
          type: pkcs11js.CKA_KEY_TYPE,
          value: hmac ? pkcs11js.CKK_GENERIC_SECRET : pkcs11js.CKK_AES,
        },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_TOKEN, value: options.persistent ?? false },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: !readable },
        { type: pkcs11js.CKA_EXTRACTABLE, value: readable },
        ...(hmac
          ? [
              { type: pkcs11js.CKA_SIGN, value: true },
              { type: pkcs11js.CKA_VERIFY, value: true },
            ]
          : [
              { type: pkcs11js.CKA_ENCRYPT, value: true },
              { type: pkcs11js.CKA_DECRYPT, value: true },
            ]),
      ]);
    } finally {
      pkcs11.C_DestroyObject(session, kek);
    }
  });
  return { handle, label: options.label, id };
}

/**
 * Key check value: the first 3 bytes of AES-ECB_K(0¹²⁸), the usual KCV of payment and HSM practice. It
 * identifies a key without revealing it, so a proposal can name its key and a recipient can confirm it
 * unwrapped the same one.
 */
export function keyCheckValue(token: HsmToken, key: KeyRef): string {
  return token.use('key check value', (pkcs11, session) => {
    pkcs11.C_EncryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, key.handle);
    const block = pkcs11.C_Encrypt(session, Buffer.alloc(16), Buffer.alloc(16));
    return Buffer.from(block.subarray(0, 3)).toString('hex');
  });
}
