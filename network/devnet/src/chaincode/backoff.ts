/** Options of a {@link LaunchBackoff}; every field has a default. */
export interface LaunchBackoffOptions {
  /** Wait after the first failed relaunch (default 1 s); doubled after each further failure. */
  readonly initialMs?: number;
  /** Longest wait between relaunch attempts (default 60 s). */
  readonly maxMs?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** Whether a relaunch may start now, and if not, why and for how long. */
export type LaunchPermission =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly failures: number;
      readonly lastFailure: string;
      readonly waitMs: number;
    };

const DEFAULT_INITIAL_MS = 1000;
const DEFAULT_MAX_MS = 60_000;

/**
 * Exponential back-off between relaunches of a chaincode that keeps failing to start. A real peer relaunches a
 * chaincode on every invocation after its container died; one that crashes on start would then be started for
 * every transaction, a hot loop. Here a failed start makes the next attempt wait 1 s, 2 s, 4 s … up to a minute,
 * and invocations in between fail at once with the reason; a start that registers resets it.
 */
export class LaunchBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  #failures = 0;
  #lastFailure = '';
  #retryAt = 0;

  constructor(options: Readonly<LaunchBackoffOptions> = {}) {
    this.#initialMs = options.initialMs ?? DEFAULT_INITIAL_MS;
    this.#maxMs = options.maxMs ?? DEFAULT_MAX_MS;
    this.#now = options.now ?? Date.now;
  }

  check(): LaunchPermission {
    const waitMs = this.#retryAt - this.#now();
    if (this.#failures === 0 || waitMs <= 0) return { allowed: true };
    return { allowed: false, failures: this.#failures, lastFailure: this.#lastFailure, waitMs };
  }

  failed(reason: string): void {
    this.#failures++;
    this.#lastFailure = reason;
    const wait = Math.min(this.#maxMs, this.#initialMs * 2 ** (this.#failures - 1));
    this.#retryAt = this.#now() + wait;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#lastFailure = '';
    this.#retryAt = 0;
  }
}
