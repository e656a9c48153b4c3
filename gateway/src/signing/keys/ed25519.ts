import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError, type HsmToken, type KeyRef } from '../../hsm';

/** PKCS#11 3.0 numbers that pkcs11js 2.1 has no constants for (SoftHSM 2.6.1 implements them). */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;
/** DER of the OID id-Ed25519 (1.3.101.112), the curve SoftHSM takes as CKA_EC_PARAMS. */
const ED25519_OID = Buffer.from('06032b6570', 'hex');

export interface Ed25519KeyPair {
  readonly privateKey: KeyRef;
  readonly publicKey: KeyRef;
  /** The 32-byte public key (RFC 8032 encoding). */
  readonly publicBytes: Buffer;
}

/**
 * An Ed25519 signing key pair, kept as {@link generateEcKeyPair} keeps P-256 ones: the private half
 * sensitive and never extractable, CKA_ID on both halves = SHA-256 of the public key so the pair is found
 * again. The hsm layer has no Edwards generator; it lives here, beside its only user.
 */
export function generateEd25519KeyPair(
  token: HsmToken,
  options: Readonly<{ label: string; persistent: boolean }>,
): Ed25519KeyPair {
  return token.use('Ed25519 key generation', (pkcs11, session) => {
    const pair = pkcs11.C_GenerateKeyPair(
      session,
      { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
        { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_OID },
        { type: pkcs11js.CKA_TOKEN, value: options.persistent },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_VERIFY, value: true },
      ],
      [
        { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
        { type: pkcs11js.CKA_TOKEN, value: options.persistent },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
    const publicBytes = readEd25519Point(pkcs11, session, pair.publicKey);
    const id = createHash('sha256').update(publicBytes).digest();
    for (const handle of [pair.publicKey, pair.privateKey]) {
      pkcs11.C_SetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID, value: id }]);
    }
    return {
      privateKey: { handle: pair.privateKey, label: options.label, id },
      publicKey: { handle: pair.publicKey, label: options.label, id },
      publicBytes,
    };
  });
}

/** CKA_EC_POINT of an Edwards key is a DER OCTET STRING (04 20 ‖ 32 bytes); some tokens give it bare. */
export function readEd25519Point(
  pkcs11: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  publicKey: pkcs11js.Handle,
): Buffer {
  const [attribute] = pkcs11.C_GetAttributeValue(session, publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
  const value = attribute?.value;
  if (Buffer.isBuffer(value) && value.length === 34 && value[0] === 0x04 && value[1] === 0x20) {
    return Buffer.from(value.subarray(2));
  }
  if (Buffer.isBuffer(value) && value.length === 32) {
    return Buffer.from(value);
  }
  throw new HsmError({ message: 'token returned no Ed25519 public key' });
}
