import { signing } from '@keyledger/chaincode/protocol';
import type { CaValidator, RevocationPolicy, RevocationSnapshot } from '../ca';
import { JwsVerificationError, verifyJwt } from '../keys';
import type { SigningLedger } from '../ledger';
import { pathFaultForToken } from './certificatePath';

/** Why a token is not to be trusted; each has a sentence in `detail`. */
export type TokenInvalidReason =
  'malformed' | 'unknown-kid' | 'bad-signature' | 'expired' | 'claims' | 'ca-path' | signing.TokenRejection;

export type TokenVerdict =
  | {
      readonly valid: true;
      readonly kid: string;
      readonly keyStatus: signing.SigningKeyStatus;
      readonly claims: Readonly<Record<string, unknown>>;
      readonly validatedBy: string;
      readonly revocation: RevocationSnapshot;
    }
  | {
      readonly valid: false;
      readonly reason: TokenInvalidReason;
      readonly detail: string;
      readonly kid?: string;
      readonly keyStatus?: signing.SigningKeyStatus;
      readonly revocation?: RevocationSnapshot;
    };

export interface TokenVerifierOptions {
  readonly ledger: SigningLedger;
  readonly validator: CaValidator;
  readonly issuer?: string;
  readonly clock?: () => number;
  /**
   * The key's other certificates (PEM) known here — the signing service keeps one per CA. A token carries one in
   * x5c, from one CA; with the others, validation can fail over to another CA that certified the same key.
   */
  readonly certificatesOf?: (kid: string) => readonly string[];
}

/** A PEM's base64 body without line breaks: what x5c holds. */
function bodyOf(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

const JOSE_REASONS: Readonly<Record<string, TokenInvalidReason>> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad-signature',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'claims',
};

function at(ms: number | undefined): string {
  return ms === undefined ? 'an unknown time' : new Date(ms).toISOString();
}

/** The sentence for a key-status rejection, with the times that decided it. */
function statusDetail(
  reason: signing.TokenRejection,
  record: signing.SigningKeyRecord,
  iatMs: number,
): string {
  switch (reason) {
    case 'signed-after-compromise':
      return `key ${record.kid} was revoked (${record.revocationReason ?? 'unspecified'}) at ${at(record.revokedAt)}, compromised from ${at(record.compromisedAt)}; this token was signed after that, at ${at(iatMs)}`;
    case 'signed-after-revocation':
      return `key ${record.kid} was revoked (${record.revocationReason ?? 'unspecified'}) at ${at(record.revokedAt)}, before this token was signed at ${at(iatMs)}`;
    case 'compromise-time-unknown':
      return `key ${record.kid} was revoked for ${record.revocationReason ?? 'compromise'} at ${at(record.revokedAt)} without a compromise time: none of its tokens can be trusted`;
    case 'grace-ended':
      return `key ${record.kid} was retired at ${at(record.retiredAt)} and its grace of ${record.graceMs} ms is over`;
    case 'before-not-before':
      return `the token (iat ${at(iatMs)}) predates key ${record.kid}'s notBefore ${at(record.notBefore)}`;
    case 'not-yet-active':
      return `key ${record.kid} is published for verification but does not sign yet`;
    case 'never-active':
      return `key ${record.kid} was revoked before it ever signed`;
  }
}

/**
 * Verifies a token as a relying party should: the key by its kid from the ledger (not only the JWKS — a revoked
 * key's tokens from before its compromise stay valid), the signature and exp with jose, the key's status by the
 * contract's own rule (`tokenValidityAt`), and the key's certificate path and revocation at the CAs with the
 * caller's policy (hard-fail by default: no CRL, no trust). A certificate revoked after the token was signed (by
 * the CRL entry's invalidityDate) still vouches for it, as the ledger does for the key. Says exactly why a token
 * is invalid.
 */
export class TokenVerifier {
  readonly #ledger: SigningLedger;
  readonly #validator: CaValidator;
  readonly #issuer: string | undefined;
  readonly #clock: () => number;
  readonly #certificatesOf: (kid: string) => readonly string[];

  constructor(options: Readonly<TokenVerifierOptions>) {
    this.#ledger = options.ledger;
    this.#validator = options.validator;
    this.#issuer = options.issuer;
    this.#clock = options.clock ?? Date.now;
    this.#certificatesOf = options.certificatesOf ?? ((): readonly string[] => []);
  }

  async verify(
    token: string,
    options: { readonly revocation?: RevocationPolicy } = {},
  ): Promise<TokenVerdict> {
    const header = decodeHeader(token);
    if (header === undefined || typeof header['kid'] !== 'string') {
      return { valid: false, reason: 'malformed', detail: 'not a compact JWS with a kid in its header' };
    }
    const kid = header['kid'];
    const record = await this.#ledger.get(kid);
    if (record === undefined) {
      return {
        valid: false,
        reason: 'unknown-kid',
        detail: `no signing key ${kid} is registered on the ledger`,
        kid,
      };
    }
    let claims: Readonly<Record<string, unknown>>;
    try {
      const jwk = { ...record.publicJwk, kid: record.kid, alg: record.algorithm };
      const verified = await verifyJwt(
        token,
        { keys: [jwk] },
        {
          ...(this.#issuer === undefined ? {} : { issuer: this.#issuer }),
          currentDate: new Date(this.#clock()),
          algorithms: record.algorithm === 'EdDSA' ? ['EdDSA'] : ['ES256'],
        },
      );
      claims = verified.claims;
    } catch (error) {
      if (!(error instanceof JwsVerificationError)) {
        throw error;
      }
      const reason = JOSE_REASONS[error.reason] ?? 'bad-signature';
      return {
        valid: false,
        reason,
        detail: `${error.message} with key ${kid}`,
        kid,
        keyStatus: record.status,
      };
    }
    const iatMs = Number(claims['iat']) * 1000;
    const status = signing.tokenValidityAt(record, iatMs, this.#clock());
    if (!status.valid) {
      return {
        valid: false,
        reason: status.reason,
        detail: statusDetail(status.reason, record, iatMs),
        kid,
        keyStatus: record.status,
      };
    }
    const x5c = header['x5c'];
    if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') {
      return {
        valid: false,
        reason: 'ca-path',
        detail: 'the token carries no certificate (x5c)',
        kid,
        keyStatus: record.status,
      };
    }
    const pem = `-----BEGIN CERTIFICATE-----\n${x5c[0]}\n-----END CERTIFICATE-----\n`;
    // The token's own certificate first; the validator refuses the set unless all certify this one key.
    const others = this.#certificatesOf(kid).filter((other) => bodyOf(other) !== x5c[0]);
    const path = await this.#validator.validate([pem, ...others], {
      revocation: options.revocation ?? 'hard-fail',
    });
    const fault = pathFaultForToken(path, kid, iatMs);
    if (fault !== undefined) {
      return {
        valid: false,
        reason: 'ca-path',
        detail: fault,
        kid,
        keyStatus: record.status,
        revocation: path.revocation,
      };
    }
    return {
      valid: true,
      kid,
      keyStatus: record.status,
      claims,
      validatedBy: path.validatedBy ?? '',
      revocation: path.revocation,
    };
  }
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  const [encoded, payload, signature] = token.split('.');
  if (
    encoded === undefined ||
    payload === undefined ||
    signature === undefined ||
    token.split('.').length !== 3
  ) {
    return undefined;
  }
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
