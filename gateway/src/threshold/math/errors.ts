/** Fewer valid shares than the threshold: the secret cannot be reconstructed (nothing was combined). */
export class InsufficientSharesError extends Error {
  /** How many distinct shares passed verification. */
  readonly valid: number;
  /** The threshold t. */
  readonly required: number;
  /** Share indices that failed verification, in input order. */
  readonly rejected: readonly number[];

  constructor(
    options: Readonly<{ valid: number; required: number; rejected: readonly number[]; cause?: unknown }>,
  ) {
    super(
      `${options.valid} valid shares, ${options.required} required` +
        (options.rejected.length > 0 ? ` (rejected: ${options.rejected.join(', ')})` : ''),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.valid = options.valid;
    this.required = options.required;
    this.rejected = [...options.rejected];
  }
}
