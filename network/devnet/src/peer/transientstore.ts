/** Private data produced at endorsement, held until the transaction commits (the gateway puts, the committer takes). */
export interface TransientStore {
  put(txId: string, privateRwSet: Uint8Array): void;
}

/**
 * Private write sets produced at endorsement, kept until their transaction is committed — the role of
 * Fabric's transient store. Bounded: the oldest entries go first (a transaction never submitted is forgotten).
 */
export class MemoryTransientStore implements TransientStore {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  put(txId: string, privateRwSet: Uint8Array): void {
    this.#entries.delete(txId);
    this.#entries.set(txId, privateRwSet);
    while (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Removes and returns the private write set of a transaction. */
  take(txId: string): Uint8Array | undefined {
    const value = this.#entries.get(txId);
    this.#entries.delete(txId);
    return value;
  }
}
