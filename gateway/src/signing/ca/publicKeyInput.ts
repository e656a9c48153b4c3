import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { p256PointFromPublicKey } from '../../hsm';
import { CaRequestError } from './errors';

/** The key to certify: a public JWK (kty EC, crv P-256) or an SPKI PEM. */
export type SubjectPublicKey = { readonly publicJwk: JsonWebKey } | { readonly spkiPem: string };

export interface ParsedPublicKey {
  readonly spki: Buffer;
  /** Uncompressed point 04‖X‖Y (for the subject key identifier). */
  readonly point: Buffer;
}

/**
 * Parses and checks the key to certify. Only a P-256 public key is accepted; a JWK with a private part (`d`) is
 * refused without being echoed, so a caller's mistake never lands in a certificate, a log or an answer.
 */
export function parseSubjectPublicKey(input: SubjectPublicKey): ParsedPublicKey {
  let key: KeyObject;
  try {
    if ('publicJwk' in input) {
      if ('d' in input.publicJwk) {
        throw new CaRequestError('publicJwk must be a public key: it has a private part (d)');
      }
      key = createPublicKey({ key: input.publicJwk, format: 'jwk' });
    } else {
      // createPublicKey would quietly derive a public key from a private PEM: refuse one instead.
      if (!/^\s*-----BEGIN PUBLIC KEY-----/.test(input.spkiPem)) {
        throw new CaRequestError('spkiPem must be a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)');
      }
      key = createPublicKey({ key: input.spkiPem, format: 'pem' });
    }
  } catch (error) {
    if (error instanceof CaRequestError) {
      throw error;
    }
    throw new CaRequestError('the public key does not parse as a JWK or an SPKI PEM', error);
  }
  if (
    key.type !== 'public' ||
    key.asymmetricKeyType !== 'ec' ||
    key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new CaRequestError('the key to certify must be an EC P-256 public key');
  }
  return { spki: key.export({ type: 'spki', format: 'der' }), point: p256PointFromPublicKey(key) };
}
