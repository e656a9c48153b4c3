import type { common } from '@hyperledger/fabric-protos';

/** Final status of a committed transaction. */
export interface CommitResult {
  readonly code: number;
  readonly blockNumber: number;
}

interface Waiter {
  resolve(result: CommitResult): void;
}

/** A pending wait for a transaction's commit; `cancel()` must be called if it is abandoned. */
export interface TransactionWait {
  readonly promise: Promise<CommitResult>;
  cancel(): void;
}

/**
 * Tells waiting clients about committed blocks (internal/pkg/gateway/commit/notifier.go): commit-status
 * waiters by transaction id, and block listeners (event streams) by height. Listeners register before they
 * look at the ledger, so no block committed in between is missed.
 */
export class CommitNotifier {
  #height: number;
  readonly #txWaiters = new Map<string, Set<Waiter>>();
  readonly #heightWaiters = new Set<{ height: number; resolve: () => void }>();
  readonly #closeHandlers = new Set<() => void>();
  #closed = false;

  constructor(height: number) {
    this.#height = height;
  }

  /** Number of committed blocks. */
  get height(): number {
    return this.#height;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Called by the committer once a block and its state are durable. */
  blockCommitted(block: common.Block, transactions: readonly { txId: string; code: number }[]): void {
    const blockNumber = block.getHeader()?.getNumber() ?? this.#height;
    this.#height = Math.max(this.#height, blockNumber + 1);
    for (const tx of transactions) {
      const waiters = this.#txWaiters.get(tx.txId);
      if (!waiters) continue;
      this.#txWaiters.delete(tx.txId);
      for (const waiter of waiters) waiter.resolve({ code: tx.code, blockNumber });
    }
    for (const waiter of [...this.#heightWaiters]) {
      if (this.#height > waiter.height) {
        this.#heightWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Registers interest in a transaction's commit. */
  waitForTransaction(txId: string): TransactionWait {
    let waiter: Waiter | undefined;
    const promise = new Promise<CommitResult>((resolve) => {
      waiter = { resolve };
    });
    const set = this.#txWaiters.get(txId) ?? new Set<Waiter>();
    set.add(waiter as Waiter);
    this.#txWaiters.set(txId, set);
    return {
      promise,
      cancel: () => {
        set.delete(waiter as Waiter);
        if (set.size === 0 && this.#txWaiters.get(txId) === set) this.#txWaiters.delete(txId);
      },
    };
  }

  /** Resolves true once block `blockNumber` is committed, false if `signal` aborts or the notifier closes. */
  waitForBlock(blockNumber: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#height > blockNumber) return Promise.resolve(true);
    if (this.#closed || signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const entry = {
        height: blockNumber,
        resolve: () => {
          cleanup();
          resolve(true);
        },
      };
      const abort = (): void => {
        this.#heightWaiters.delete(entry);
        cleanup();
        resolve(false);
      };
      const cleanup = (): void => {
        signal?.removeEventListener('abort', abort);
        this.#closeHandlers.delete(abort);
      };
      this.#heightWaiters.add(entry);
      this.#closeHandlers.add(abort);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Wakes every block listener (they see `false`) — used on shutdown. */
  close(): void {
    this.#closed = true;
    for (const handler of [...this.#closeHandlers]) handler();
  }
}
