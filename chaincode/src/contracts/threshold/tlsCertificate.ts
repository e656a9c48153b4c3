import { X509Certificate } from 'node:crypto';
import { sha256Hex, ValidationError } from '../../protocol';

export interface ParsedTlsCertificate {
  /** PEM as node:crypto re-exports it, so the same certificate is stored byte-identically. */
  readonly pem: string;
  /** SHA-256 of the DER, hex: what a client pins. */
  readonly digest: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/**
 * Parses a module server's TLS certificate: exactly one X.509 CERTIFICATE PEM block. Anything else — a chain, a
 * key, garbage — is refused, so the pinned digest always names the one certificate the server presents first.
 */
export function parseTlsCertificate(pem: string): ParsedTlsCertificate {
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((match) => match[1]);
  if (blocks.some((label) => label?.includes('PRIVATE KEY'))) {
    throw new ValidationError(
      'invalid module: tlsCertificatePem contains a private key; submit the certificate only',
    );
  }
  if (blocks.length !== 1 || blocks[0] !== 'CERTIFICATE') {
    throw new ValidationError('invalid module: tlsCertificatePem must be one PEM block (BEGIN CERTIFICATE)');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new ValidationError('invalid module: tlsCertificatePem is not a parsable X.509 certificate');
  }
  return { pem: certificate.toString(), digest: sha256Hex(certificate.raw) };
}
