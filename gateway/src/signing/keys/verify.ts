import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { JwsVerificationError } from './errors';
import type { PublicJwk, SigningAlgorithm } from './jwk';

export interface VerifyJwtOptions {
  /** Algorithms accepted (default: ES256 and EdDSA; never `none`). */
  readonly algorithms?: readonly SigningAlgorithm[];
  /** Required typ header (default `JWT`). */
  readonly typ?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Time to check exp/nbf against (default now). */
  readonly currentDate?: Date;
  /** Seconds of clock skew allowed on exp/nbf (default 0). */
  readonly clockTolerance?: number;
}

export interface VerifiedJwt {
  readonly header: JWTHeaderParameters;
  readonly claims: JWTPayload;
}

/**
 * Verifies a compact JWT with jose against a JWKS — this store's, or the ledger's (any public JWK members; jose
 * checks them) — (the key chosen by the token's kid and alg, as a relying
 * party would). jose 6 is ESM-only: it is imported on first use (Node 20.19+ loads it through require(esm)),
 * so importing the signing module does not load it — the signer needs none of it.
 */
export async function verifyJwt(
  jwt: string,
  jwks: Readonly<{ keys: readonly (PublicJwk | Readonly<Record<string, string>>)[] }>,
  options: Readonly<VerifyJwtOptions> = {},
): Promise<VerifiedJwt> {
  const jose = await import('jose');
  const keySet = jose.createLocalJWKSet({ keys: jwks.keys.map((key) => ({ ...key })) });
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(jwt, keySet, {
      algorithms: [...(options.algorithms ?? ['ES256', 'EdDSA'])],
      typ: options.typ ?? 'JWT',
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate }),
      ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    });
    return { header: protectedHeader, claims: payload };
  } catch (error) {
    const reason =
      error instanceof jose.errors.JOSEError
        ? error.code
        : error instanceof TypeError
          ? 'ERR_JWS_INVALID'
          : 'ERR_UNKNOWN';
    throw new JwsVerificationError({ reason, message: `token does not verify (${reason})`, cause: error });
  }
}
