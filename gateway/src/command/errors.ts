/** The command line itself is wrong: an unknown command or option, a missing or malformed value. */
export class UsageError extends Error {
  /** The command whose usage to show (`queue policy set`), when known. */
  readonly command: string | undefined;

  constructor(options: Readonly<{ message: string; command?: string; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = UsageError.name;
    this.command = options.command;
  }
}

/** How a `--wait` ended when it did not end committed: the server's `KeyLedger-Wait` header. */
export type IncompleteWait = 'rejected' | 'expired' | 'timeout' | 'unknown';

/**
 * A `--wait` that did not see its change committed and loaded: the wait timed out, or the proposal closed
 * (rejected, expired) without committing. The request itself succeeded; the outcome is not what was waited for.
 */
export class WaitIncompleteError extends Error {
  readonly outcome: IncompleteWait;

  constructor(options: Readonly<{ message: string; outcome: IncompleteWait; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = WaitIncompleteError.name;
    this.outcome = options.outcome;
  }
}

/**
 * What the command checked does not hold (a token that does not verify): the request succeeded, the answer is
 * "no". Its message says why; the exit code is the one for invalid input.
 */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = CheckFailedError.name;
  }
}
