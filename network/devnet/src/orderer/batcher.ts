/** Options of the block cutter, as Fabric's BatchSize.MaxMessageCount and BatchTimeout. */
export interface BatcherOptions {
  /** Maximum transactions per block. */
  readonly batchSize: number;
  /** Longest a transaction waits for its block while the pipeline is busy (ms). */
  readonly batchTimeoutMs: number;
  /**
   * Cut a block at once when no block is being committed (default). When false, blocks are cut only by
   * size or timeout, exactly as Fabric's orderer (useful to reproduce Fabric's latency).
   */
  readonly cutWhenIdle?: boolean;
}

/** Commits one block of envelopes; the batcher never runs two at once. */
export type BlockSink<T> = (batch: T[]) => Promise<void>;

/**
 * Fabric's blockcutter with a devnet twist: one block pipeline at a time; when it is idle a transaction is
 * cut into a block immediately (low latency), otherwise transactions accumulate and are cut when the batch
 * is full or the batch timeout expires — which, under load, batches naturally.
 */
export class Batcher<T> {
  readonly #options: BatcherOptions;
  readonly #sink: BlockSink<T>;
  readonly #onError: (err: unknown) => void;
  #pending: T[] = [];
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #timerExpired = false;
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(options: BatcherOptions, sink: BlockSink<T>, onError: (err: unknown) => void) {
    this.#options = options;
    this.#sink = sink;
    this.#onError = onError;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  enqueue(item: T): void {
    if (this.#stopped) throw new Error('ordering service stopped');
    this.#pending.push(item);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#busy || this.#pending.length === 0) return;
    const cutNow = this.#options.cutWhenIdle !== false || this.#pending.length >= this.#options.batchSize;
    if (cutNow) {
      this.#cut();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (!this.#busy) this.#cut();
      else this.#timerExpired = true;
    }, this.#options.batchTimeoutMs);
  }

  #cut(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#timerExpired = false;
    const batch = this.#pending.splice(0, Math.max(1, this.#options.batchSize));
    this.#busy = true;
    this.#sink(batch)
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#busy = false;
        if (this.#pending.length > 0) {
          // A full batch or a transaction that already waited is cut at once; otherwise wait as usual.
          const due = this.#timerExpired || this.#pending.length >= this.#options.batchSize;
          if (this.#options.cutWhenIdle !== false || due) this.#cut();
          else this.#schedule();
        } else {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }

  /** Resolves when nothing is pending or being committed. */
  idle(): Promise<void> {
    if (!this.#busy && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting transactions; pending ones are still committed (await `idle()`). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer && !this.#busy && this.#pending.length > 0) {
      this.#cut();
    }
  }
}
