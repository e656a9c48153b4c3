import { createHash, randomBytes } from 'node:crypto';

/** A CA name: what `keyledger ca start --name` takes, its token label suffix and its certificate's CN. */
export const CA_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/;
/** A signing key id as the issue request takes it (the certificate's subject CN). */
export const KID_PATTERN = /^[A-Za-z0-9._:@/-]{1,128}$/;

/** Where a CA publishes, relative to its base URL (the AIA and CRL distribution point of what it issues). */
export const CA_PATHS = {
  health: '/health',
  certificate: '/ca.pem',
  crl: '/crl',
  issue: '/v1/certificates',
  revoke: '/v1/certificates/:serial/revoke',
} as const;

export function caCertificateUrl(baseUrl: string): string {
  return `${baseUrl}${CA_PATHS.certificate}`;
}

export function caCrlUrl(baseUrl: string): string {
  return `${baseUrl}${CA_PATHS.crl}`;
}

export function revokeUrl(baseUrl: string, serial: string): string {
  return `${baseUrl}${CA_PATHS.revoke.replace(':serial', encodeURIComponent(serial))}`;
}

/**
 * A fresh certificate serial: 128 random bits (RFC 5280 §4.1.2.2 allows up to 20 octets; CA/B forum asks for at
 * least 64 random bits), first octet 0x40-0x7f so the DER integer is positive and never loses a leading zero.
 */
export function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** Subject key identifier, RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the EC point). */
export function keyIdentifier(point: Uint8Array): string {
  return createHash('sha1').update(point).digest('hex');
}
