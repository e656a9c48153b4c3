export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit (default 3). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open the first time, in ms (default 1000). */
  readonly baseOpenMs?: number;
  /** The longest open interval, in ms (default 30 000): each re-open doubles the interval up to this. */
  readonly maxOpenMs?: number;
}

export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** While open: when the circuit turns half-open. */
  readonly openUntil?: number;
  /** The interval of the current (or next) opening, in ms. */
  readonly openMs: number;
  /** Half-open with its one probe taken. */
  readonly probeInFlight: boolean;
}

/**
 * A circuit breaker for one provider. Closed: calls flow and failures are counted; `failureThreshold`
 * consecutive failures open it. Open: no calls until `openUntil`. Then half-open: exactly one probe at a time; its
 * success closes the circuit (and resets the interval), its failure opens it again for twice as long, up to
 * `maxOpenMs` — so a provider that stays down costs one probe per interval, not one failed request per request.
 *
 * The open → half-open step happens on reading (`now` is passed in): no timers.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #baseOpenMs: number;
  readonly #maxOpenMs: number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #openMs: number;
  #probeInFlight = false;

  constructor(options: Readonly<BreakerOptions> = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#baseOpenMs = options.baseOpenMs ?? 1_000;
    this.#maxOpenMs = options.maxOpenMs ?? 30_000;
    if (!Number.isSafeInteger(this.#threshold) || this.#threshold < 1) {
      throw new Error('failureThreshold must be a positive integer');
    }
    if (!(this.#baseOpenMs > 0) || !(this.#maxOpenMs >= this.#baseOpenMs)) {
      throw new Error('baseOpenMs must be > 0 and maxOpenMs ≥ baseOpenMs');
    }
    this.#openMs = this.#baseOpenMs;
  }

  state(now: number): BreakerState {
    if (this.#state === 'open' && now >= this.#openUntil) {
      this.#state = 'half-open';
      this.#probeInFlight = false;
    }
    return this.#state;
  }

  /** Whether a call may start now: closed, or half-open with the probe slot free. */
  allows(now: number): boolean {
    const state = this.state(now);
    return state === 'closed' || (state === 'half-open' && !this.#probeInFlight);
  }

  /**
   * Takes the probe slot when half-open (true when taken); true when closed (no probe needed); false otherwise. The
   * caller ends the probe with onSuccess, onFailure or releaseProbe.
   */
  acquireProbe(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') {
      return true;
    }
    if (state === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return true;
    }
    return false;
  }

  /** The probe ended without saying anything of the provider (the caller gave up): another may be sent. */
  releaseProbe(): void {
    this.#probeInFlight = false;
  }

  /**
   * The provider answered. Closes a half-open circuit. While open it is ignored: it is the late answer of a call
   * that started before the circuit opened, and the probe is what decides.
   */
  onSuccess(): void {
    if (this.#state === 'open') {
      return;
    }
    this.#state = 'closed';
    this.#failures = 0;
    this.#openMs = this.#baseOpenMs;
    this.#probeInFlight = false;
  }

  onFailure(now: number): void {
    const state = this.state(now);
    this.#failures += 1;
    if (state === 'half-open') {
      // The probe failed: the provider is still down, wait twice as long.
      this.#openMs = Math.min(this.#maxOpenMs, this.#openMs * 2);
      this.#open(now);
    } else if (state === 'closed' && this.#failures >= this.#threshold) {
      this.#open(now);
    }
  }

  snapshot(now: number): BreakerSnapshot {
    const state = this.state(now);
    return {
      state,
      consecutiveFailures: this.#failures,
      ...(state === 'open' ? { openUntil: this.#openUntil } : {}),
      openMs: this.#openMs,
      probeInFlight: this.#probeInFlight,
    };
  }

  #open(now: number): void {
    this.#state = 'open';
    this.#openUntil = now + this.#openMs;
    this.#probeInFlight = false;
  }
}
