import * as pkcs11js from 'pkcs11js';
import {
  ecPublicPoint,
  findKey,
  generateEcKeyPair,
  HsmError,
  p256PublicKeyFromPoint,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { HsmEcPrivateKey } from './hsmWebCrypto';

/** The label of a CA's signing key pair in its token. */
export const CA_KEY_LABEL = 'keyledger-ca';

/** A CA's key: the private half is a handle in its token; the public half is what its certificate carries. */
export interface CaKey {
  readonly privateKey: HsmEcPrivateKey;
  /** Uncompressed point 04‖X‖Y. */
  readonly publicPoint: Buffer;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Buffer;
}

/** What the token says about the private key's protection (both must hold for a CA key). */
export interface KeyProtection {
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly neverExtractable: boolean;
}

export function keyProtection(token: HsmToken, key: KeyRef): KeyProtection {
  return token.use('reading key attributes', (pkcs11, session) => {
    const [sensitive, extractable, neverExtractable] = pkcs11.C_GetAttributeValue(session, key.handle, [
      { type: pkcs11js.CKA_SENSITIVE },
      { type: pkcs11js.CKA_EXTRACTABLE },
      { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
    ]);
    const flag = (value: unknown): boolean => Buffer.isBuffer(value) && value[0] === 1;
    return {
      sensitive: flag(sensitive?.value),
      extractable: flag(extractable?.value),
      neverExtractable: flag(neverExtractable?.value),
    };
  });
}

/**
 * The CA's P-256 key pair, made in its token on first start (token objects, sensitive, never extractable) and
 * found again by label afterwards. Refuses a key the token would let out.
 */
export function loadOrCreateCaKey(token: HsmToken): CaKey {
  let privateKey = findKey(token, { keyClass: 'private', label: CA_KEY_LABEL });
  let publicPoint: Buffer;
  if (privateKey === undefined) {
    const pair = generateEcKeyPair(token, { label: CA_KEY_LABEL, persistent: true, sign: true });
    privateKey = pair.privateKey;
    publicPoint = pair.publicPoint;
  } else {
    const publicKey = findKey(token, { keyClass: 'public', id: privateKey.id });
    if (publicKey === undefined) {
      throw new HsmError({
        message: `token ${token.label} holds the CA private key but not its public half`,
      });
    }
    publicPoint = ecPublicPoint(token, publicKey);
  }
  const protection = keyProtection(token, privateKey);
  if (!protection.sensitive || protection.extractable) {
    throw new HsmError({ message: `the CA key in token ${token.label} is extractable or not sensitive` });
  }
  const spki = p256PublicKeyFromPoint(publicPoint).export({ type: 'spki', format: 'der' });
  return { privateKey: new HsmEcPrivateKey(token, privateKey), publicPoint, spki };
}
