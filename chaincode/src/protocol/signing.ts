/** Record shapes of the SigningKeys contract (capability C). All times are epoch milliseconds. */

import type { IdentityRef } from './identity';

export const SIGNING_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const SIGNING_KEY_STATUSES = ['active', 'retired', 'revoked'] as const;

export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

/** Revocation reasons by their RFC 5280 §5.3.1 CRLReason names. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** A public JWK reduced to the members RFC 7638 hashes (EC: crv kty x y; RSA: e kty n; OKP: crv kty x). */
export type PublicJwk = Readonly<Record<string, string>>;

export type { IdentityRef };

export interface SigningKeyRecord {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly publicJwk: PublicJwk;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  readonly thumbprint: string;
  readonly issuerCaIds: string[];
  /** Tokens signed with this key before this instant are not to be trusted. */
  readonly notBefore: number;
  readonly status: SigningKeyStatus;
  readonly registeredAt: number;
  readonly registeredBy: IdentityRef;
  readonly updatedAt: number;
  /** Starts at 1, +1 on every status change. */
  readonly version: number;
  readonly retiredAt?: number;
  readonly revokedAt?: number;
  readonly revocationReason?: RevocationReason;
  readonly revokedBy?: IdentityRef;
}

/** A key as published in the JWKS document. */
export type JwksKey = PublicJwk & {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
};
