import { ServiceError } from '../errors';

export interface HsmErrorOptions {
  readonly message: string;
  /** The PKCS#11 return value's name (CKR_…), when the library gave one. */
  readonly ckr?: string;
  readonly cause?: unknown;
}

/**
 * A PKCS#11 failure, with the CKR_* name when the library gave one. Never carries key bytes. To a REST caller it
 * is a dependency that failed (503): the request was fine, the security module was not.
 */
export class HsmError extends ServiceError {
  readonly ckr?: string;

  constructor(options: HsmErrorOptions) {
    super({
      message: options.ckr ? `${options.message} (${options.ckr})` : options.message,
      // The message may name token labels and library paths: clients are told only what failed.
      detail: `the HSM failed the operation${options.ckr ? ` (${options.ckr})` : ''}`,
      problemType: 'unavailable',
      cause: options.cause,
    });
    this.ckr = options.ckr;
  }
}

/** pkcs11js errors carry the CKR name in the message, e.g. "CKR_KEY_UNEXTRACTABLE:…". */
export function ckrOf(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /\b(CKR_[A-Z_]+)/.exec(message)?.[1];
}

export function wrapHsmError(action: string, error: unknown): HsmError {
  if (error instanceof HsmError) {
    return error;
  }
  return new HsmError({
    message: `HSM ${action} failed`,
    ckr: ckrOf(error) ?? (error instanceof Error ? error.message : String(error)),
    cause: error,
  });
}
