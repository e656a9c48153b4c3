/**
 * Record shapes of the SigningKeys contract (capability C), and the two rules both sides apply to them: which
 * keys a JWKS lists at a given time ({@link inJwksAt}) and whether a token signed with a key is to be trusted
 * ({@link tokenValidityAt}). All times are epoch milliseconds.
 */

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

/**
 * published: verify-only, in the JWKS, never signed with (the next key, announced before it signs);
 * active: signs, at most one per service; retired: verify-only, in the JWKS for its grace period;
 * revoked: final, never in the JWKS.
 */
export const SIGNING_KEY_STATUSES = ['published', 'active', 'retired', 'revoked'] as const;

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

/** Reasons that say the key (or the CA vouching for it) was in other hands: see {@link tokenValidityAt}. */
export const COMPROMISE_REASONS: readonly RevocationReason[] = ['keyCompromise', 'cACompromise'];

/** The scope of a key when registration names none (and of keys registered before scopes existed). */
export const DEFAULT_SERVICE_ID = 'default';

/** How long a retired key stays in the JWKS unless its registration or retirement says otherwise: 24 h. */
export const DEFAULT_GRACE_MS = 86_400_000;
/** Shortest grace: one minute, so that a cache refreshed every minute never meets a token it cannot verify. */
export const MIN_GRACE_MS = 60_000;
/** Longest grace: 30 days. A key that must stay verifiable longer should stay active or published. */
export const MAX_GRACE_MS = 2_592_000_000;

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
  /**
   * The issuer scope: at most one key per serviceId is active, and activating one retires the others. A
   * service's signer identities may change (certificate renewal, more workers, an admin acting for it), so the
   * scope is named, not derived from `registeredBy`.
   */
  readonly serviceId: string;
  /** How long the key stays in the JWKS once retired (MIN_GRACE_MS..MAX_GRACE_MS). */
  readonly graceMs: number;
  readonly status: SigningKeyStatus;
  readonly registeredAt: number;
  readonly registeredBy: IdentityRef;
  readonly updatedAt: number;
  /** Starts at 1, +1 on every status change. */
  readonly version: number;
  /** When the key became active (absent while published, and if it was revoked without ever signing). */
  readonly activatedAt?: number;
  readonly retiredAt?: number;
  readonly revokedAt?: number;
  readonly revocationReason?: RevocationReason;
  readonly revokedBy?: IdentityRef;
  /**
   * Revoked keys only: from when the key is no longer trusted (RFC 5280's invalidityDate). Between
   * min(registeredAt, notBefore) and revokedAt.
   */
  readonly compromisedAt?: number;
}

/** A key as published in the JWKS document: standard JWK members only. */
export type JwksKey = PublicJwk & {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
};

/** The JWKS document (RFC 7517 §5) with two extra members, which RFC 7517 tells other readers to ignore. */
export interface Jwks {
  /** Published, active and in-grace retired keys, in kid order. */
  readonly keys: JwksKey[];
  /** The time the set was evaluated at: the timestamp of the (evaluate) proposal, i.e. the caller's clock. */
  readonly asOf: number;
  /**
   * The earliest instant at which a listed key drops out by itself (a retired key's grace ends); absent when
   * none will. A cache must not keep the set past it; transactions (publish, revoke) change it sooner.
   */
  readonly nextExpiryAt?: number;
}

/** The fields the rules below read, so that a verifier can apply them to a cached copy of a record. */
export type SigningKeyTimes = Pick<
  SigningKeyRecord,
  | 'status'
  | 'notBefore'
  | 'graceMs'
  | 'activatedAt'
  | 'retiredAt'
  | 'revokedAt'
  | 'revocationReason'
  | 'compromisedAt'
>;

/** Until when a retired key stays in the JWKS (exclusive); undefined for a key that is not retired. */
export function jwksUntil(key: SigningKeyTimes): number | undefined {
  return key.status === 'retired' && key.retiredAt !== undefined ? key.retiredAt + key.graceMs : undefined;
}

/** Whether the JWKS lists the key at `nowMs`: published and active always, retired within grace, revoked never. */
export function inJwksAt(key: SigningKeyTimes, nowMs: number): boolean {
  switch (key.status) {
    case 'published':
    case 'active':
      return true;
    case 'retired':
      return nowMs < (jwksUntil(key) ?? 0);
    case 'revoked':
      return false;
  }
}

export type TokenRejection =
  /** iat < notBefore. */
  | 'before-not-before'
  /** The key is published: announced for verifiers, but it does not sign yet. */
  | 'not-yet-active'
  /** The key was revoked while published: it never signed anything. */
  | 'never-active'
  /** The key was retired and its grace period is over (it has left the JWKS). */
  | 'grace-ended'
  /** Revoked with a compromise time, and iat ≥ compromisedAt. */
  | 'signed-after-compromise'
  /** Revoked for keyCompromise or cACompromise without a compromise time: nothing it signed can be trusted. */
  | 'compromise-time-unknown'
  /** Revoked for another reason without a compromise time, and iat ≥ revokedAt. */
  | 'signed-after-revocation';

export type TokenValidity =
  { readonly valid: true } | { readonly valid: false; readonly reason: TokenRejection };

/**
 * Whether a token signed with `key` and issued at `issuedAtMs` (its iat) is to be trusted at `nowMs`, given
 * the key's ledger record. Signature, exp and the other JWT claims are the verifier's business; this is the
 * key-status part only, the same rule for the chaincode's GetSigningKeyStatusAt and the gateway's verifier:
 *
 * 1. iat < notBefore → rejected (before-not-before).
 * 2. published → rejected (not-yet-active); revoked without ever having been active → rejected (never-active):
 *    such a key never signed.
 * 3. active → valid.
 * 4. retired (or revoked after being retired) and nowMs ≥ retiredAt + graceMs → rejected (grace-ended): a
 *    verifier trusts no more than the JWKS shows, and revoking a key never makes a token more valid.
 * 5. retired within grace → valid, whatever the iat: retiring is routine, and workers that still sign with the
 *    old key in the seconds before they see the activation must not fail; a key that must stop being trusted
 *    is revoked.
 * 6. revoked with compromisedAt → valid iff iat < compromisedAt (signed-after-compromise otherwise).
 * 7. revoked without compromisedAt for keyCompromise or cACompromise → rejected (compromise-time-unknown): when
 *    the key was taken is not known, so no token is safe.
 * 8. revoked without compromisedAt for any other reason → valid iff iat < revokedAt (signed-after-revocation
 *    otherwise): the revocation time is the cut-off.
 */
export function tokenValidityAt(key: SigningKeyTimes, issuedAtMs: number, nowMs: number): TokenValidity {
  if (issuedAtMs < key.notBefore) {
    return { valid: false, reason: 'before-not-before' };
  }
  if (key.status === 'published') {
    return { valid: false, reason: 'not-yet-active' };
  }
  if (key.status === 'active') {
    return { valid: true };
  }
  if (key.activatedAt === undefined) {
    return { valid: false, reason: 'never-active' };
  }
  if (key.retiredAt !== undefined && nowMs >= key.retiredAt + key.graceMs) {
    return { valid: false, reason: 'grace-ended' };
  }
  if (key.status === 'retired') {
    return { valid: true };
  }
  if (key.compromisedAt !== undefined) {
    return issuedAtMs < key.compromisedAt
      ? { valid: true }
      : { valid: false, reason: 'signed-after-compromise' };
  }
  if (key.revocationReason !== undefined && COMPROMISE_REASONS.includes(key.revocationReason)) {
    return { valid: false, reason: 'compromise-time-unknown' };
  }
  return issuedAtMs < (key.revokedAt ?? 0)
    ? { valid: true }
    : { valid: false, reason: 'signed-after-revocation' };
}

/** What GetSigningKeyStatusAt answers: the key's status and {@link tokenValidityAt} for one iat, at asOf. */
export type SigningKeyStatusAt = TokenValidity & {
  readonly kid: string;
  readonly status: SigningKeyStatus;
  readonly version: number;
  readonly issuedAt: number;
  readonly asOf: number;
  readonly compromisedAt?: number;
};
