import type { Logger } from 'pino';
import { errorText } from '../../logging';
import { nextRotationAt, publishAt, type RotationPolicy } from './rotationSchedule';

/** The next key: registered published (verify-only, in the JWKS), held in the token, not signing yet. */
export interface PendingSigningKey {
  readonly kid: string;
  readonly issuerCaIds: readonly string[];
  /** When the ledger registered it. */
  readonly publishedAt: number;
}

/** What /health shows of the schedule. */
export interface RotationScheduleStatus {
  /** The policy as configured. */
  readonly every: string;
  /** When the next key is to become active (epoch ms): the policy's time, later if it was published late. */
  readonly nextRotationAt: number;
  readonly nextKid?: string;
  readonly publishedAt?: number;
}

/** The key manager as the scheduler drives it; each step is a no-op when `activeKid` is no longer active. */
export interface ScheduledKeys {
  active(): { readonly kid: string; readonly activatedAt: number } | undefined;
  pending(): PendingSigningKey | undefined;
  publishNext(activeKid: string): Promise<unknown>;
  activateNext(activeKid: string): Promise<unknown>;
  /** No key is active (a rotation after a revocation failed): make one. */
  recover(): Promise<unknown>;
}

export interface KeySchedulerOptions {
  readonly keys: ScheduledKeys;
  /** Absent: no scheduled rotation, only recovery when no key is active. */
  readonly policy?: RotationPolicy;
  readonly clock: () => number;
  /** First wait after a failed step (default 1 s); doubles per failure up to maxRetryMs. */
  readonly retryMs?: number;
  /** Longest wait between tries (default 5 min). */
  readonly maxRetryMs?: number;
  readonly logger?: Logger;
}

/** setTimeout's largest delay (2³¹−1 ms, ~24.8 days); a monthly rotation is further away, so it waits in legs. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs the key schedule: at nextRotation − publishAhead the next key is published, at nextRotation it is
 * activated (never sooner than publishAhead after it was published, so caches of the JWKS have had that long).
 * One timer, unref'd so that it never keeps the process alive; `plan()` re-arms it from the manager's state
 * after every change. A failed step is logged and tried again with exponential backoff; the active key keeps
 * signing meanwhile.
 */
export class KeyScheduler {
  readonly #options: KeySchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #stopped = false;
  #failures = 0;
  #retryAt = 0;

  constructor(options: Readonly<KeySchedulerOptions>) {
    this.#options = options;
  }

  /** What the schedule does next; undefined without a policy or while no key is active. */
  schedule(): RotationScheduleStatus | undefined {
    const policy = this.#options.policy;
    const active = this.#options.keys.active();
    if (policy === undefined || active === undefined) {
      return undefined;
    }
    const pending = this.#options.keys.pending();
    return {
      every: policy.every,
      nextRotationAt: this.#activationAt(policy, active.activatedAt, pending),
      ...(pending === undefined ? {} : { nextKid: pending.kid, publishedAt: pending.publishedAt }),
    };
  }

  /** (Re-)arms the timer for the next step; called after every change of the keys. */
  plan(): void {
    this.#clear();
    if (this.#stopped || this.#busy) {
      return;
    }
    const { keys, policy } = this.#options;
    const active = keys.active();
    if (active === undefined) {
      this.#arm(this.#retryAt, 'recover', () => keys.recover());
      return;
    }
    if (policy === undefined) {
      return;
    }
    const pending = keys.pending();
    if (pending === undefined) {
      const at = publishAt(policy, nextRotationAt(policy, active.activatedAt));
      this.#arm(Math.max(at, this.#retryAt), 'publish', () => keys.publishNext(active.kid));
    } else {
      const at = this.#activationAt(policy, active.activatedAt, pending);
      this.#arm(Math.max(at, this.#retryAt), 'activate', () => keys.activateNext(active.kid));
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #activationAt(policy: RotationPolicy, activatedAt: number, pending: PendingSigningKey | undefined): number {
    const at = nextRotationAt(policy, activatedAt);
    return pending === undefined ? at : Math.max(at, pending.publishedAt + policy.publishAheadMs);
  }

  #arm(at: number, step: string, run: () => Promise<unknown>): void {
    const wait = at - this.#options.clock();
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (wait > MAX_TIMER_MS) {
          this.plan();
          return;
        }
        this.#run(step, run);
      },
      Math.min(Math.max(0, wait), MAX_TIMER_MS),
    );
    this.#timer.unref();
  }

  #run(step: string, run: () => Promise<unknown>): void {
    this.#busy = true;
    run()
      .then(
        () => {
          this.#failures = 0;
          this.#retryAt = 0;
        },
        (error: unknown) => {
          this.#failures += 1;
          const base = this.#options.retryMs ?? 1000;
          const delay = Math.min(this.#options.maxRetryMs ?? 300_000, base * 2 ** (this.#failures - 1));
          this.#retryAt = this.#options.clock() + delay;
          this.#options.logger?.warn(
            { step, failures: this.#failures, retryInMs: delay, error: errorText(error) },
            'scheduled signing-key step failed; the active key keeps signing, trying again later',
          );
        },
      )
      .finally(() => {
        this.#busy = false;
        this.plan();
      });
  }

  #clear(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
