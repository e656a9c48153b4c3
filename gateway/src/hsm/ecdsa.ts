import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import { lowSCompact, lowSDer } from './signatureEncoding';
import type { KeyRef } from './keys';
import type { HsmToken } from './token';

/**
 * ECDSA P-256 over a SHA-256 digest computed outside the token (SoftHSM has no CKM_ECDSA_SHA256). The token
 * returns r‖s; Fabric and most verifiers want DER with S in the lower half of the order.
 */
export function signDigest(token: HsmToken, privateKey: KeyRef, digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) {
    throw new HsmError({ message: 'ECDSA P-256 signs a 32-byte SHA-256 digest' });
  }
  return lowSDer(rawSign(token, privateKey, digest));
}

/** Raw r‖s (64 bytes), low-S — the JWS ES256 signature format. */
export function signDigestCompact(token: HsmToken, privateKey: KeyRef, digest: Uint8Array): Uint8Array {
  return lowSCompact(rawSign(token, privateKey, digest));
}

function rawSign(token: HsmToken, privateKey: KeyRef, digest: Uint8Array): Buffer {
  return token.use('ECDSA signing', (pkcs11, session) => {
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey.handle);
    return pkcs11.C_Sign(session, Buffer.from(digest), Buffer.alloc(64));
  });
}

export function signMessage(token: HsmToken, privateKey: KeyRef, message: Uint8Array): Uint8Array {
  return signDigest(token, privateKey, createHash('sha256').update(message).digest());
}
