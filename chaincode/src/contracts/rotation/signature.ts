import { verify, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Verifies a signature over `payload` with the public key of an X.509 certificate (PEM). Deterministic, so
 * every endorser reaches the same answer.
 *
 * EC keys: ECDSA with SHA-256, signature DER-encoded or raw r‖s (IEEE P1363, what PKCS#11 CKM_ECDSA returns).
 * RSA keys: PKCS#1 v1.5 with SHA-256. Ed25519/Ed448: pure EdDSA over the payload.
 */
export function verifyWithCertificate(
  certificatePem: string,
  payload: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = new X509Certificate(certificatePem).publicKey;
  return verifyWithKey(key, payload, signature);
}

export function verifyWithKey(key: KeyObject, payload: Uint8Array, signature: Uint8Array): boolean {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'ed448') {
    return verify(null, payload, key, signature);
  }
  if (type === 'ec') {
    return (
      safeVerify(() => verify('sha256', payload, { key, dsaEncoding: 'der' }, signature)) ||
      safeVerify(() => verify('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, signature))
    );
  }
  return safeVerify(() => verify('sha256', payload, key, signature));
}

/** A malformed signature makes OpenSSL throw; that is simply "not valid". */
function safeVerify(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
