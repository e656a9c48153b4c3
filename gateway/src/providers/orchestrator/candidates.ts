import type { ScoredProvider } from '../ledger';

/** Where the orchestrator learns which providers hold a key. */
export interface CandidateSource {
  candidates(keyId: string): Promise<ScoredProvider[]>;
}

/** The ledger call LedgerCandidates needs (`ProvidersLedger.listProviders`). */
export interface ProviderLister {
  listProviders(filter: { readonly keyId: string }): Promise<ScoredProvider[]>;
}

export interface LedgerCandidatesOptions {
  readonly ledger: ProviderLister;
  /** How long a key's provider list is reused, in ms (default 30 000). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/** Chaincode events after which cached lists (and their scores) are stale. */
export const CANDIDATE_INVALIDATING_EVENTS: ReadonlySet<string> = new Set([
  'ProviderRegistered',
  'ProviderUpdated',
  'ProviderSuspended',
  'ProviderResumed',
  'OutcomesRecorded',
]);

interface Entry {
  readonly value: Promise<ScoredProvider[]>;
  /** Settled at; undefined while the read is in flight. */
  fetchedAt?: number;
}

/**
 * The providers of a key, from ListProviders, cached per key for `ttlMs` so the request path costs no ledger read.
 * Concurrent misses for one key share one read; a failed read is not cached. The events that change profiles or
 * scores invalidate the cache (`onChaincodeEvent`); the TTL bounds staleness when an event is missed.
 */
export class LedgerCandidates implements CandidateSource {
  readonly #ledger: ProviderLister;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #cache = new Map<string, Entry>();
  /** Bumped on invalidation, so a read that started before it does not repopulate the cache. */
  #generation = 0;

  constructor(options: Readonly<LedgerCandidatesOptions>) {
    this.#ledger = options.ledger;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
  }

  candidates(keyId: string): Promise<ScoredProvider[]> {
    const cached = this.#cache.get(keyId);
    if (
      cached !== undefined &&
      (cached.fetchedAt === undefined || this.#clock() - cached.fetchedAt < this.#ttlMs)
    ) {
      return cached.value;
    }
    const generation = this.#generation;
    const entry: Entry = {
      value: this.#ledger.listProviders({ keyId }).then(
        (providers) => {
          if (this.#cache.get(keyId) === entry && generation === this.#generation) {
            entry.fetchedAt = this.#clock();
          }
          return providers;
        },
        (error: unknown) => {
          if (this.#cache.get(keyId) === entry) {
            this.#cache.delete(keyId);
          }
          throw error;
        },
      ),
    };
    this.#cache.set(keyId, entry);
    return entry.value;
  }

  /** Forgets one key's list, or all of them. */
  invalidate(keyId?: string): void {
    this.#generation += 1;
    if (keyId === undefined) {
      this.#cache.clear();
    } else {
      this.#cache.delete(keyId);
    }
  }

  /**
   * A chaincode event of the providers contract. Every listed event invalidates all keys: a profile change can add a
   * key to any provider, and the payload's shape is not needed for that.
   */
  onChaincodeEvent(eventName: string, _payload: unknown): void {
    if (CANDIDATE_INVALIDATING_EVENTS.has(eventName)) {
      this.invalidate();
    }
  }
}
