import { createHash } from 'node:crypto';

export interface PathVerdictCacheOptions {
  /** How long a verdict is reused (default 5 s). */
  readonly ttlMs?: number;
  /** Most verdicts kept; the oldest go first (default 1 000). */
  readonly maxEntries?: number;
  readonly clock?: () => number;
}

interface Entry<T> {
  readonly verdict: T;
  /** The validation time it was computed for. */
  readonly at: number;
  readonly expiresAt: number;
}

function digest(bytes: Buffer | undefined): string {
  return bytes === undefined ? '-' : createHash('sha256').update(bytes).digest('hex');
}

/**
 * A path check (pkijs's verdict, and what follows from it) is a pure function of the leaf, the anchor, the CRL and
 * the validation time, and costs tens of milliseconds; verifying tokens asks it about the same certificate again and again. A verdict is reused
 * for the same three inputs, for a validation time within the TTL of the one it was computed for, and never past
 * the leaf's notAfter. A revocation changes the CRL, hence the key: it is seen at once.
 */
export class PathVerdictCache<T> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry<T>>();

  constructor(options: PathVerdictCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 1_000;
    this.#clock = options.clock ?? Date.now;
  }

  async get(
    input: {
      readonly leaf: Buffer;
      readonly anchor: Buffer;
      readonly crl: Buffer | undefined;
      readonly at: Date;
    },
    leafNotAfter: Date,
    compute: () => Promise<T>,
  ): Promise<T> {
    const key = `${digest(input.leaf)}:${digest(input.anchor)}:${digest(input.crl)}`;
    const now = this.#clock();
    const at = input.at.getTime();
    const entry = this.#entries.get(key);
    if (entry !== undefined && now < entry.expiresAt && Math.abs(at - entry.at) <= this.#ttlMs) {
      return entry.verdict;
    }
    const verdict = await compute();
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { verdict, at, expiresAt: Math.min(now + this.#ttlMs, leafNotAfter.getTime()) });
    return verdict;
  }
}
