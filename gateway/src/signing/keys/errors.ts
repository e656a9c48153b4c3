import { ServiceError } from '../../errors';

/** A key request the store cannot accept as given (a kid that cannot be a label and header member). */
export class InvalidSigningKeyRequestError extends ServiceError {
  constructor(message: string) {
    super({ message, problemType: 'invalid-request' });
  }
}

export class SigningKeyNotFoundError extends ServiceError {
  readonly kid: string;

  constructor(kid: string) {
    super({ message: `no signing key ${kid}`, problemType: 'not-found', extensions: { kid } });
    this.kid = kid;
  }
}

/** A key of that kid is already in the token: nothing was made (a kid names one key, forever). */
export class SigningKeyExistsError extends ServiceError {
  readonly kid: string;

  constructor(kid: string) {
    super({ message: `signing key ${kid} already exists`, problemType: 'conflict', extensions: { kid } });
    this.kid = kid;
  }
}

/** A sign request that cannot become a JWS (claims that are not a JSON object, a reserved header member). */
export class InvalidJwsRequestError extends ServiceError {
  /** The request's position in its batch, when the fault is one request's. */
  readonly index: number | undefined;

  constructor(message: string, index?: number) {
    super({
      message: index === undefined ? message : `request ${index}: ${message}`,
      problemType: 'invalid-request',
      extensions: index === undefined ? {} : { index },
    });
    this.index = index;
  }
}

/**
 * A token that does not verify. `reason` is jose's error code (ERR_JWS_SIGNATURE_VERIFICATION_FAILED,
 * ERR_JWT_EXPIRED, ERR_JWKS_NO_MATCHING_KEY, …) so a caller can tell a forgery from an expired token.
 */
export class JwsVerificationError extends ServiceError {
  readonly reason: string;

  constructor(options: Readonly<{ reason: string; message: string; cause?: unknown }>) {
    super({
      message: options.message,
      problemType: 'unauthorized',
      extensions: { reason: options.reason },
      cause: options.cause,
    });
    this.reason = options.reason;
  }
}
