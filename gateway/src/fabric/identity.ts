import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Signer } from '@hyperledger/fabric-gateway';

/**
 * Hex SHA-256 of a certificate's DER — how governance keys a ledger member (with its MSP id) and how the API
 * maps a TLS client certificate to a caller.
 */
export function certificateFingerprint(pem: string | Buffer): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** A ledger identity: certificate plus a signer for its key (PEM file or HSM). */
export interface LedgerIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly fingerprint: string;
  /** Signs a SHA-256 digest (fabric-gateway's Signer contract). */
  readonly signer: Signer;
}

export function identityFromCertificate(mspId: string, certPath: string, signer: Signer): LedgerIdentity {
  const certificatePem = readFileSync(certPath, 'utf8');
  return { mspId, certificatePem, fingerprint: certificateFingerprint(certificatePem), signer };
}

/**
 * ECDSA-SHA256 signature over `payload` with the identity's key: SHA-256 is computed here and the signer
 * signs the digest, which is what `verify('sha256', payload, …)` checks on chain.
 */
export async function signPayload(signer: Signer, payload: Uint8Array): Promise<Uint8Array> {
  return signer(createHash('sha256').update(payload).digest());
}
