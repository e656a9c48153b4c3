import type { signing } from '@keyledger/chaincode/protocol';

export interface JwksCacheOptions {
  /** How long one ledger read answers (default 1 s): relying parties cache it far longer anyway. */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/**
 * The JWKS as the ledger has it, read at most once per TTL however many ask (one read in flight at a time), and
 * dropped at once when this service changes a key. A key revoked elsewhere leaves it within the TTL; verification
 * never relies on it (it reads the key's record).
 */
export class JwksCache {
  readonly #read: () => Promise<signing.Jwks>;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  #cached: { readonly at: number; readonly jwks: signing.Jwks } | undefined;
  #reading: Promise<signing.Jwks> | undefined;
  #generation = 0;

  constructor(read: () => Promise<signing.Jwks>, options: JwksCacheOptions = {}) {
    this.#read = read;
    this.#ttlMs = options.ttlMs ?? 1_000;
    this.#clock = options.clock ?? Date.now;
  }

  async get(): Promise<signing.Jwks> {
    const cached = this.#cached;
    if (cached !== undefined && this.#clock() - cached.at < this.#ttlMs) {
      return cached.jwks;
    }
    if (this.#reading === undefined) {
      const generation = this.#generation;
      const at = this.#clock();
      this.#reading = this.#read()
        .then((jwks) => {
          // A read that started before an invalidation may hold the old set: it answers its callers, not later ones.
          if (generation === this.#generation) this.#cached = { at, jwks };
          return jwks;
        })
        .finally(() => {
          this.#reading = undefined;
        });
    }
    return this.#reading;
  }

  invalidate(): void {
    this.#generation += 1;
    this.#cached = undefined;
    this.#reading = undefined;
  }
}
