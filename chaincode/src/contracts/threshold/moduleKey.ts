import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../lib';
import type { ModuleKeyType } from './types';

export interface ParsedModuleKey {
  readonly keyType: ModuleKeyType;
  /** SPKI PEM as node:crypto re-exports it, so equal keys are stored byte-identically. */
  readonly pem: string;
  /** SHA-256 of the SPKI DER, hex. */
  readonly digest: string;
}

const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/;

/**
 * Parses a module's attestation key: an SPKI PEM holding an EC P-256 or Ed25519 public key. `createPublicKey`
 * happily derives a public key from a private one, so anything that is not labelled `PUBLIC KEY` is refused first:
 * a private key pasted by mistake must never reach the ledger.
 */
export function parseModuleKey(pem: string): ParsedModuleKey {
  if (/PRIVATE KEY/.test(pem)) {
    throw new ValidationError(
      'invalid module: publicKeyPem contains a private key; submit the public key only',
    );
  }
  if (!SPKI_PEM.test(pem.trim() + '\n')) {
    throw new ValidationError('invalid module: publicKeyPem must be one SPKI PEM block (BEGIN PUBLIC KEY)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ValidationError('invalid module: publicKeyPem is not a parsable public key');
  }
  const keyType = moduleKeyType(key);
  if (keyType === undefined) {
    throw new ValidationError('invalid module: publicKeyPem must be an EC P-256 or Ed25519 public key');
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    keyType,
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    digest: createHash('sha256').update(der).digest('hex'),
  };
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
 * Verifies a module signature over `data`: ECDSA with SHA-256 and a DER-encoded signature for P-256, pure Ed25519
 * (no pre-hash, algorithm `null`) for Ed25519. A 64-byte P-256 signature that is not valid DER is also tried as raw
 * `r ‖ s` (IEEE P1363), which is what PKCS#11 `CKM_ECDSA` returns: both encodings carry the same (r, s), so
 * accepting either changes nothing about what is proven. Malformed signatures verify as false rather than throwing.
 */
export function verifyModuleSignature(
  keyType: ModuleKeyType,
  pem: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (keyType === 'ed25519') {
      return verify(null, data, key, signature);
    }
    return (
      verify('sha256', data, { key, dsaEncoding: 'der' }, signature) ||
      (signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature))
    );
  } catch {
    return false;
  }
}
