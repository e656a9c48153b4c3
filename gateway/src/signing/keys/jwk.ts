import { createHash } from 'node:crypto';

/** The algorithms the store makes keys for: ECDSA P-256 (default) and Ed25519 (RFC 8037). */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

interface JwkMembers {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
}

/** A public key as published in the JWKS. There is no `d`: the private half never leaves the token. */
export type PublicJwk =
  | (JwkMembers & { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string })
  | (JwkMembers & { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string });

type PublicMembers =
  | { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };

function publicMembers(publicKey: Uint8Array, alg: SigningAlgorithm): PublicMembers {
  if (alg === 'ES256') {
    if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
      throw new RangeError('an ES256 public key is an uncompressed P-256 point (65 bytes, 0x04 prefix)');
    }
    return {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(publicKey.subarray(33, 65)).toString('base64url'),
    };
  }
  if (publicKey.length !== 32) {
    throw new RangeError('an Ed25519 public key is 32 bytes');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: 04‖X‖Y for ES256, the 32-byte key for
 * EdDSA (RFC 8037 §2). The members hashed are the required ones only, so kid, alg and use do not change it.
 */
export function jwkThumbprint(publicKey: Uint8Array, alg: SigningAlgorithm): string {
  const m = publicMembers(publicKey, alg);
  // The required members only, in the lexicographic order RFC 7638 §3.2 hashes them in.
  const input =
    m.kty === 'EC'
      ? JSON.stringify({ crv: m.crv, kty: m.kty, x: m.x, y: m.y })
      : JSON.stringify({ crv: m.crv, kty: m.kty, x: m.x });
  return createHash('sha256').update(input).digest('base64url');
}

export function publicJwk(publicKey: Uint8Array, alg: SigningAlgorithm, kid: string): PublicJwk {
  const m = publicMembers(publicKey, alg);
  return m.kty === 'EC'
    ? { kty: m.kty, crv: m.crv, x: m.x, y: m.y, kid, alg: 'ES256', use: 'sig' }
    : { kty: m.kty, crv: m.crv, x: m.x, kid, alg: 'EdDSA', use: 'sig' };
}
