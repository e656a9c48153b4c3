import type { KeyObject } from 'node:crypto';
import {
  assertStrongKey,
  MIN_RSA_BITS,
  parseCertificatePem,
  parsePublicKeyPem,
  sha256Hex,
  spkiFingerprint,
  spkiPem,
  ValidationError,
  type KeyWording,
} from '../../protocol';

/** A provider's public key material, normalised. */
export interface ProviderKeyMaterial {
  readonly certificatePem?: string;
  readonly certificateFingerprint?: string;
  readonly publicKeyPem: string;
  readonly publicKeyFingerprint: string;
  readonly publicKeyType: string;
}

type KeyField = 'certificatePem' | 'publicKeyPem';

/** The provider contract's messages for refused key material; the input itself is never echoed. */
function wording(field: KeyField, notPem: string, unparsable: string): KeyWording {
  return {
    'private-key': `invalid provider: ${field} holds a private key; register the certificate or the PUBLIC key only`,
    'not-pem': `invalid provider: ${field} ${notPem}`,
    unparsable: `invalid provider: ${field} ${unparsable}`,
    'weak-key': ({ bits }) =>
      `invalid provider: ${field} is an RSA key of ${bits ?? '?'} bits; at least ${MIN_RSA_BITS} needed`,
  };
}

const CERTIFICATE_WORDING = wording(
  'certificatePem',
  'must be one PEM "CERTIFICATE" block',
  'is not a parsable X.509 certificate',
);
const PUBLIC_KEY_WORDING = wording(
  'publicKeyPem',
  'must be one PEM "PUBLIC KEY" (SPKI) block',
  'is not a parsable public key',
);

function describe(
  key: KeyObject,
  keyWording: KeyWording,
): { publicKeyPem: string; publicKeyFingerprint: string; publicKeyType: string } {
  assertStrongKey(key, keyWording);
  return {
    publicKeyPem: spkiPem(key),
    publicKeyFingerprint: spkiFingerprint(key),
    publicKeyType: key.asymmetricKeyType ?? 'unknown',
  };
}

function parseCertificate(raw: string, now: number): ProviderKeyMaterial {
  const certificate = parseCertificatePem(raw, CERTIFICATE_WORDING);
  const notAfter = Date.parse(certificate.validTo);
  if (!Number.isFinite(notAfter) || notAfter < now) {
    throw new ValidationError(`invalid provider: certificatePem expired (notAfter ${certificate.validTo})`);
  }
  return {
    certificatePem: certificate.toString(),
    certificateFingerprint: sha256Hex(certificate.raw),
    ...describe(certificate.publicKey, CERTIFICATE_WORDING),
  };
}

/** Validates a certificate or a public key (exactly one is given, the schema made sure) at tx time `now`. */
export function parseProviderKey(
  input: { certificatePem?: string; publicKeyPem?: string },
  now: number,
): ProviderKeyMaterial {
  if (input.certificatePem !== undefined) {
    return parseCertificate(input.certificatePem, now);
  }
  return describe(parsePublicKeyPem(input.publicKeyPem ?? '', PUBLIC_KEY_WORDING), PUBLIC_KEY_WORDING);
}
