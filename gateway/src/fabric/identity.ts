import { createHash, X509Certificate } from 'node:crypto';

/**
 * Hex SHA-256 of a certificate's DER — how governance keys a ledger member (with its MSP id) and how the API
 * maps a TLS client certificate to a caller.
 */
export function certificateFingerprint(pem: string | Buffer): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
