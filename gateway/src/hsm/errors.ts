/** A PKCS#11 failure, with the CKR_* name when the library gave one. Never carries key bytes. */
export class HsmError extends Error {
  readonly ckr?: string;

  constructor(message: string, ckr?: string) {
    super(ckr ? `${message} (${ckr})` : message);
    this.name = 'HsmError';
    this.ckr = ckr;
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
  return new HsmError(
    `HSM ${action} failed`,
    ckrOf(error) ?? (error instanceof Error ? error.message : String(error)),
  );
}
