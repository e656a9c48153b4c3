import type { ProviderFilter, ScoredProvider } from '../ledger';

/** Where the orchestrator learns which providers hold a key. */
export interface CandidateSource {
  candidates(keyId: string): Promise<ScoredProvider[]>;
}

/** Events after which the candidates (profiles, key lists, scores) may have changed. */
export const CANDIDATE_EVENTS: ReadonlySet<string> = new Set([
  'ProviderRegistered',
  'ProviderUpdated',
  'ProviderSuspended',
  'ProviderResumed',
  'OutcomesRecorded',
]);

export interface LedgerCandidatesOptions {
  readonly ledger: { listProviders(filter: ProviderFilter): Promise<ScoredProvider[]> };
  /** How long a key's candidates are reused without an event (default 30 s). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/**
 * The providers of a key as the ledger lists them (ListProviders({keyId}): active profiles naming the key, with
 * their scores), kept per key and dropped when a chaincode event says profiles or scores changed. Concurrent
 * requests for a key that is not cached share one ledger read.
 */
export class LedgerCandidates implements CandidateSource {
  readonly #o: LedgerCandidatesOptions;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #cache = new Map<string, { readonly at: number; readonly providers: Promise<ScoredProvider[]> }>();
  #generation = 0;

  constructor(options: LedgerCandidatesOptions) {
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
  }

  candidates(keyId: string): Promise<ScoredProvider[]> {
    const cached = this.#cache.get(keyId);
    if (cached && this.#clock() - cached.at < this.#ttlMs) {
      return cached.providers;
    }
    const generation = this.#generation;
    const providers = this.#o.ledger.listProviders({ keyId });
    const entry = { at: this.#clock(), providers };
    this.#cache.set(keyId, entry);
    // A failed read is not kept; neither is one that an event made stale while it was under way.
    providers.then(
      () => {
        if (generation !== this.#generation && this.#cache.get(keyId) === entry) {
          this.#cache.delete(keyId);
        }
      },
      () => {
        if (this.#cache.get(keyId) === entry) {
          this.#cache.delete(keyId);
        }
      },
    );
    return providers;
  }

  invalidate(keyId?: string): void {
    this.#generation += 1;
    if (keyId === undefined) {
      this.#cache.clear();
    } else {
      this.#cache.delete(keyId);
    }
  }

  onChaincodeEvent(eventName: string, _payload?: unknown): void {
    if (CANDIDATE_EVENTS.has(eventName)) {
      // A profile change may add or remove any key (keyIds changed); scores move for every key a provider holds.
      this.invalidate();
    }
  }
}
