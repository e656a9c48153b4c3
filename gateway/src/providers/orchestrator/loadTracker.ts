/** How one provider call ended, as the load tracker needs it. */
export interface CallOutcome {
  readonly latencyMs: number;
  readonly ok: boolean;
}

/** The load of one provider now. */
export interface LoadSnapshot {
  readonly inFlight: number;
  /** Peak-EWMA latency, decayed to now (never below the floor). */
  readonly ewmaMs: number;
  /** Calls that ended, in this process. */
  readonly observed: number;
}

export interface LoadTrackerOptions {
  /** Decay time constant τ of the EWMA, in ms (default 2000). */
  readonly tauMs?: number;
  /** The value an idle provider's latency decays toward, in ms (default 1). */
  readonly floorMs?: number;
  /** Milliseconds clock (default Date.now). */
  readonly clock?: () => number;
}

interface ProviderLoad {
  inFlight: number;
  ewmaMs: number;
  /** When ewmaMs was last updated. */
  lastAt: number;
  observed: number;
}

/**
 * In-flight calls and a peak-EWMA latency per provider (Finagle's PeakEwma). A slower answer than the average
 * replaces it at once (peak), faster ones pull it down with the weight `w = exp(-Δt/τ)`, so a provider that turns
 * slow is avoided after one answer, while one that turns fast is trusted gradually.
 *
 * The stored value also decays with idle time when read, toward `floorMs`: a provider nobody calls because it was
 * slow looks attractive again after a few τ, gets one request, and jumps back up if it is still slow. Without
 * that, p2c would never learn that a slow provider recovered.
 */
export class LoadTracker {
  readonly #tauMs: number;
  readonly #floorMs: number;
  readonly #clock: () => number;
  readonly #loads = new Map<string, ProviderLoad>();

  constructor(options: Readonly<LoadTrackerOptions> = {}) {
    this.#tauMs = options.tauMs ?? 2_000;
    this.#floorMs = options.floorMs ?? 1;
    this.#clock = options.clock ?? Date.now;
    if (!(this.#tauMs > 0) || !(this.#floorMs >= 0)) {
      throw new Error('tauMs must be > 0 and floorMs ≥ 0');
    }
  }

  /**
   * Counts a call as in flight; the returned function ends it (once: later calls are ignored, so a `finally` and an
   * error path may both call it).
   */
  begin(providerId: string): (outcome: CallOutcome) => void {
    const load = this.#load(providerId);
    load.inFlight += 1;
    let ended = false;
    return (outcome: CallOutcome): void => {
      if (ended) {
        return;
      }
      ended = true;
      load.inFlight -= 1;
      // Failed calls count too: a timeout is the slowest answer of all, and a fast refusal of connections is
      // the breaker's business, not the latency estimate's.
      this.#observe(load, Math.max(0, outcome.latencyMs));
    };
  }

  snapshot(providerId: string): LoadSnapshot {
    const load = this.#loads.get(providerId);
    if (load === undefined) {
      return { inFlight: 0, ewmaMs: this.#floorMs, observed: 0 };
    }
    return { inFlight: load.inFlight, ewmaMs: this.#decayed(load), observed: load.observed };
  }

  /** Providers this tracker has seen, in id order. */
  providerIds(): string[] {
    return [...this.#loads.keys()].sort();
  }

  #load(providerId: string): ProviderLoad {
    let load = this.#loads.get(providerId);
    if (load === undefined) {
      // A provider never measured starts at 0 (Finagle does too): its first answer sets the estimate (peak).
      load = { inFlight: 0, ewmaMs: 0, lastAt: this.#clock(), observed: 0 };
      this.#loads.set(providerId, load);
    }
    return load;
  }

  #observe(load: ProviderLoad, rttMs: number): void {
    const now = this.#clock();
    const elapsed = Math.max(0, now - load.lastAt);
    const w = Math.exp(-elapsed / this.#tauMs);
    load.ewmaMs = rttMs > load.ewmaMs ? rttMs : load.ewmaMs * w + rttMs * (1 - w);
    load.lastAt = now;
    load.observed += 1;
  }

  #decayed(load: ProviderLoad): number {
    const idle = Math.max(0, this.#clock() - load.lastAt);
    return Math.max(this.#floorMs, load.ewmaMs * Math.exp(-idle / this.#tauMs));
  }
}
