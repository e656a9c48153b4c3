import type { HsmJwsSigner, JwtClaims } from '../keys';
import { JobFailure, type ClaimedJob, type JsonValue } from '../queue';

/** What the jobs a worker claimed are signed with: the active key, its certification, one issued-at. */
export interface SigningPlan {
  readonly kid: string;
  /** The `keyledger` claim: the key's CA locations and revocation snapshot. */
  readonly certification: JsonValue;
  readonly x5c: readonly string[];
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly issuer: string;
}

/** What a job carries: the claims to sign and how (validated by the REST layer before it is queued). */
export interface SigningRequestPayload {
  readonly claims: JwtClaims;
  readonly audience?: string | readonly string[];
  /** Seconds from iat to exp. */
  readonly lifetimeSeconds: number;
  /** Who asked (MSP id and certificate fingerprint): stored with the job, never put in the token. */
  readonly requestedBy?: { readonly mspId: string; readonly fingerprint: string };
}

/** A done job's result. */
export interface SignedToken {
  readonly token: string;
  readonly kid: string;
}

/**
 * The steps of signing one claimed batch, wherever the worker runs: ask for the plan (the key in use now), sign
 * every job with it in one HSM session, then ask whether tokens of that key may still be released — if the key
 * was withdrawn meanwhile, they are dropped and the batch is signed again with the next plan.
 */
export interface BatchSteps {
  plan(): Promise<SigningPlan>;
  mayRelease(kid: string): Promise<boolean> | boolean;
}

/** A token is re-signed at most this often when its key is withdrawn while it is being signed. */
const MAX_SIGN_TRIES = 3;

export async function signClaimedBatch(
  jobs: readonly ClaimedJob[],
  signer: HsmJwsSigner,
  steps: BatchSteps,
): Promise<readonly (JsonValue | JobFailure)[]> {
  for (let attempt = 0; attempt < MAX_SIGN_TRIES; attempt += 1) {
    const plan = await steps.plan();
    const requests = jobs.map((job) => {
      const request = job.payload as unknown as SigningRequestPayload;
      const claims: JwtClaims = {
        ...request.claims,
        keyledger: plan.certification,
        iss: plan.issuer,
        iat: plan.iat,
        exp: plan.iat + request.lifetimeSeconds,
        jti: job.id,
        ...(request.audience === undefined ? {} : { aud: request.audience as JsonValue }),
      };
      return { kid: plan.kid, claims, header: { x5c: plan.x5c } };
    });
    const tokens = signer.signMany(requests);
    if (await steps.mayRelease(plan.kid)) {
      return tokens.map((token): JsonValue => ({ token, kid: plan.kid }) satisfies SignedToken);
    }
    // Withdrawn while we signed (revoked, rotated): these tokens are dropped, the next try waits for the new key.
  }
  throw new JobFailure({
    code: 'key-unavailable',
    message: 'the signing key kept changing while this request was signed',
    retryable: true,
  });
}
