import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../lib';

/** A provider's public key material, normalised. */
export interface ProviderKeyMaterial {
  readonly certificatePem?: string;
  readonly certificateFingerprint?: string;
  readonly publicKeyPem: string;
  readonly publicKeyFingerprint: string;
  readonly publicKeyType: string;
}

export const MIN_RSA_BITS = 2048;

const CERTIFICATE_PEM = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----$/;
const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * `createPublicKey` happily derives a public key from a PRIVATE key PEM, so private keys are refused by their
 * armour before any parsing; the error never echoes the input.
 */
function refusePrivateKey(field: string, pem: string): void {
  if (/PRIVATE KEY/.test(pem)) {
    throw new ValidationError(
      `invalid provider: ${field} holds a private key; register the certificate or the PUBLIC key only`,
    );
  }
}

function describe(
  field: string,
  key: KeyObject,
): { publicKeyPem: string; publicKeyFingerprint: string; publicKeyType: string } {
  const type = key.asymmetricKeyType ?? 'unknown';
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if ((type === 'rsa' || type === 'rsa-pss') && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw new ValidationError(
      `invalid provider: ${field} is an RSA key of ${bits ?? '?'} bits; at least ${MIN_RSA_BITS} needed`,
    );
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyFingerprint: sha256Hex(der),
    publicKeyType: type,
  };
}

function parseCertificate(raw: string, now: number): ProviderKeyMaterial {
  refusePrivateKey('certificatePem', raw);
  const pem = raw.trim();
  if (!CERTIFICATE_PEM.test(pem)) {
    throw new ValidationError('invalid provider: certificatePem must be one PEM "CERTIFICATE" block');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new ValidationError('invalid provider: certificatePem is not a parsable X.509 certificate');
  }
  const notAfter = Date.parse(certificate.validTo);
  if (!Number.isFinite(notAfter) || notAfter < now) {
    throw new ValidationError(`invalid provider: certificatePem expired (notAfter ${certificate.validTo})`);
  }
  return {
    certificatePem: certificate.toString(),
    certificateFingerprint: sha256Hex(certificate.raw),
    ...describe('certificatePem', certificate.publicKey),
  };
}

function parsePublicKey(raw: string): ProviderKeyMaterial {
  refusePrivateKey('publicKeyPem', raw);
  const pem = raw.trim();
  if (!PUBLIC_KEY_PEM.test(pem)) {
    throw new ValidationError('invalid provider: publicKeyPem must be one PEM "PUBLIC KEY" (SPKI) block');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ValidationError('invalid provider: publicKeyPem is not a parsable public key');
  }
  return describe('publicKeyPem', key);
}

/** Validates a certificate or a public key (exactly one is given, the schema made sure) at tx time `now`. */
export function parseProviderKey(
  input: { certificatePem?: string; publicKeyPem?: string },
  now: number,
): ProviderKeyMaterial {
  if (input.certificatePem !== undefined) {
    return parseCertificate(input.certificatePem, now);
  }
  return parsePublicKey(input.publicKeyPem ?? '');
}
