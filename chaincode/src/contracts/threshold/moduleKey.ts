import type { KeyObject } from 'node:crypto';
import {
  parsePublicKeyPem,
  spkiFingerprint,
  spkiPem,
  ValidationError,
  verifySignature,
  type KeyWording,
} from '../../protocol';
import type { ModuleKeyType } from '../../protocol/threshold';

export interface ParsedModuleKey {
  readonly keyType: ModuleKeyType;
  /** SPKI PEM as node:crypto re-exports it, so equal keys are stored byte-identically. */
  readonly pem: string;
  /** SHA-256 of the SPKI DER, hex. */
  readonly digest: string;
}

const MODULE_KEY_WORDING: KeyWording = {
  'private-key': 'invalid module: publicKeyPem contains a private key; submit the public key only',
  'not-pem': 'invalid module: publicKeyPem must be one SPKI PEM block (BEGIN PUBLIC KEY)',
  unparsable: 'invalid module: publicKeyPem is not a parsable public key',
};

/**
 * Parses a module's attestation key: an SPKI PEM holding an EC P-256 or Ed25519 public key. The lib refuses
 * private keys before parsing, so one pasted by mistake never reaches the ledger.
 */
export function parseModuleKey(pem: string): ParsedModuleKey {
  const key = parsePublicKeyPem(pem, MODULE_KEY_WORDING);
  const keyType = moduleKeyType(key);
  if (keyType === undefined) {
    throw new ValidationError('invalid module: publicKeyPem must be an EC P-256 or Ed25519 public key');
  }
  return { keyType, pem: spkiPem(key), digest: spkiFingerprint(key) };
}

function moduleKeyType(key: KeyObject): ModuleKeyType | undefined {
  if (key.asymmetricKeyType === 'ed25519') {
    return 'ed25519';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'p256';
  }
  return undefined;
}

/**
 * Verifies a module signature over `data` with the stored key: ECDSA with SHA-256 (DER or raw `r ‖ s`, as
 * PKCS#11 `CKM_ECDSA` returns it) for P-256, pure Ed25519 for Ed25519 — see the lib's `verifySignature`. The key
 * must still be of the type recorded with it, so a signature verifies only under the algorithm the ledger names.
 * Malformed keys and signatures verify as false rather than throwing.
 */
export function verifyModuleSignature(
  keyType: ModuleKeyType,
  pem: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  let key: KeyObject;
  try {
    key = parsePublicKeyPem(pem);
  } catch {
    return false;
  }
  return moduleKeyType(key) === keyType && verifySignature(key, data, signature);
}
