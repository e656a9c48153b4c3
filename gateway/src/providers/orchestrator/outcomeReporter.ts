import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import type { OutcomeInput, ReportedOutcome } from '../ledger';
import { readOutcomeJournal, writeOutcomeJournal, type OutcomeBatch } from './outcomeJournal';
import { callsIn, OutcomeTallies } from './outcomeTally';

/** Sends one batch to the ledger (`ProvidersLedger.recordOutcomes`). */
export type OutcomeSink = (batchId: string, outcomes: readonly ReportedOutcome[]) => Promise<unknown>;

/** What the orchestrator needs of a reporter: the hot path only. */
export interface OutcomeRecorder {
  record(outcome: OutcomeInput): void;
}

export interface OutcomeReporterOptions {
  /** Part of every batch id, so ids of different orchestrators never collide. */
  readonly orchestratorId: string;
  readonly sink: OutcomeSink;
  /** Flush at least this often once started (default 5000 ms). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many calls wait (default 10 000): bounds what a crash can lose. */
  readonly flushEvery?: number;
  /** Most entries (tallies) in one batch (default 500: the chaincode's limit). */
  readonly maxBatch?: number;
  /** First wait before resending a failed batch (default 1000 ms), doubled per consecutive failure. */
  readonly retryBackoffMs?: number;
  /** Longest wait before resending (default 60 000 ms). */
  readonly maxRetryBackoffMs?: number;
  /** Where batches survive a restart (default: none, in memory only). */
  readonly journalPath?: string;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** Counts are of calls: a tally of 300 calls counts 300. */
export interface OutcomeReporterStats {
  /** Outcomes handed to record(). */
  readonly received: number;
  /** Outcomes the ledger has (confirmed, or answered CONFLICT for their batch). */
  readonly recorded: number;
  /** Send attempts, retries included. */
  readonly batchesSent: number;
  readonly batchesConfirmed: number;
  /** Send attempts of a batch that had failed before. */
  readonly retries: number;
  /** Outcomes of batches the ledger refused as invalid (never recordable; dropped so they block nothing). */
  readonly dropped: number;
  /** Outcomes not yet recorded: batched or not. */
  readonly pending: number;
  readonly pendingBatches: number;
  readonly lastError?: string;
}

/**
 * Reports provider outcomes to the ledger in batches, never one transaction per request: the outcomes waiting are
 * folded into one tally per provider and reputation window (successes, failures, latency sums, the last success and
 * failure: what the on-chain score uses), so one flush is one transaction whatever the request rate.
 *
 * Idempotency: a batch gets its id `${orchestratorId}-${epoch}-${seq}` when it is cut and keeps it; a failed send is
 * retried later with the same id and the same entries (FIFO, one batch in flight), and the ledger refuses a batch
 * id it already has with CONFLICT — which then means an earlier attempt was recorded and its answer lost.
 *
 * Durability (with `journalPath`): at each flush, the cut batches and the unconfirmed ones are written (fsynced)
 * before any is sent, and `recover()` after a restart resends them with their ids. The window: outcomes recorded
 * since the last flush are only in memory, so a crash loses at most `flushEvery` calls or `flushIntervalMs` of
 * them — outcomes are reputation statistics, not money; the hot path stays free of disk writes.
 */
export class OutcomeReporter implements OutcomeRecorder {
  readonly #orchestratorId: string;
  readonly #sink: OutcomeSink;
  readonly #intervalMs: number;
  readonly #every: number;
  readonly #maxBatch: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #journalPath: string | undefined;
  readonly #clock: () => number;
  readonly #logger: Logger | undefined;
  #epoch: number;
  #seq = 0;
  #unbatched = new OutcomeTallies();
  readonly #pending: OutcomeBatch[] = [];
  /** Batch ids that failed at least once (for the retries counter). */
  readonly #failedOnce = new Set<string>();
  #consecutiveFailures = 0;
  #retryAt = 0;
  #kicked = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #received = 0;
  #recorded = 0;
  #sent = 0;
  #confirmed = 0;
  #retries = 0;
  #dropped = 0;
  #lastError: string | undefined;

  constructor(options: Readonly<OutcomeReporterOptions>) {
    this.#orchestratorId = options.orchestratorId;
    this.#sink = options.sink;
    this.#intervalMs = options.flushIntervalMs ?? 5_000;
    this.#every = options.flushEvery ?? 10_000;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#backoffMs = options.retryBackoffMs ?? 1_000;
    this.#maxBackoffMs = options.maxRetryBackoffMs ?? 60_000;
    this.#journalPath = options.journalPath;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    this.#epoch = this.#clock();
    for (const [name, value] of [
      ['flushEvery', this.#every],
      ['maxBatch', this.#maxBatch],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new Error(`${name} must be a positive integer`);
      }
    }
    if (!(this.#intervalMs > 0) || !(this.#backoffMs >= 0) || !(this.#maxBackoffMs >= this.#backoffMs)) {
      throw new Error('flushIntervalMs must be > 0 and 0 ≤ retryBackoffMs ≤ maxRetryBackoffMs');
    }
  }

  /**
   * Takes back what a previous run journaled: its batches are resent first, with their original ids, and its
   * unbatched outcomes join this run's. Call before the first flush. Returns the outcomes recovered.
   */
  recover(): number {
    if (this.#journalPath === undefined) {
      return 0;
    }
    const state = readOutcomeJournal(this.#journalPath);
    if (state === undefined) {
      return 0;
    }
    // New ids must not collide with the previous run's, even when the clock says the same millisecond (or went back).
    if (this.#seq === 0 && this.#epoch <= state.epoch) {
      this.#epoch = state.epoch + 1;
    }
    const known = new Set(this.#pending.map((batch) => batch.batchId));
    const batches = state.pending.filter((batch) => !known.has(batch.batchId));
    this.#pending.unshift(...batches);
    for (const outcome of state.unbatched) {
      this.#unbatched.add(outcome);
    }
    const recovered =
      batches.reduce((sum, batch) => sum + callsOfBatch(batch), 0) + callsOfAll(state.unbatched);
    this.#received += recovered;
    if (recovered > 0) {
      this.#logger?.warn(
        { batches: batches.length, outcomes: recovered },
        'outcomes of a previous run will be resent',
      );
    }
    return recovered;
  }

  /** Hot path: memory only. */
  record(outcome: OutcomeInput): void {
    this.#unbatched.add(outcome);
    this.#received += 1;
    if (this.#unbatched.calls >= this.#every && !this.#kicked && !this.#stopped) {
      this.#kicked = true;
      setImmediate(() => {
        void this.flush();
      });
    }
  }

  start(): void {
    if (this.#timer === undefined && !this.#stopped) {
      this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Cuts what waits into batches and sends the pending ones, oldest first. Concurrent calls run one after another. */
  flush(): Promise<void> {
    return this.#enqueue(false);
  }

  /**
   * Stops the timer and flushes what it can (ignoring the retry backoff) within `timeoutMs` (default 5000); what
   * is left stays in the journal for the next run.
   */
  async stop(timeoutMs = 5_000): Promise<OutcomeReporterStats> {
    this.#stopped = true;
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([this.#enqueue(true), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.stats();
  }

  stats(): OutcomeReporterStats {
    const batched = this.#pending.reduce((sum, batch) => sum + callsOfBatch(batch), 0);
    return {
      received: this.#received,
      recorded: this.#recorded,
      batchesSent: this.#sent,
      batchesConfirmed: this.#confirmed,
      retries: this.#retries,
      dropped: this.#dropped,
      pending: batched + this.#unbatched.calls,
      pendingBatches: this.#pending.length,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  #enqueue(ignoreBackoff: boolean): Promise<void> {
    const run = this.#flushing.then(() => this.#flushOnce(ignoreBackoff));
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #flushOnce(ignoreBackoff: boolean): Promise<void> {
    this.#kicked = false;
    if (this.#unbatched.calls > 0) {
      const tallies = this.#unbatched.take();
      for (let start = 0; start < tallies.length; start += this.#maxBatch) {
        const outcomes = tallies.slice(start, start + this.#maxBatch);
        this.#seq += 1;
        this.#pending.push({ batchId: `${this.#orchestratorId}-${this.#epoch}-${this.#seq}`, outcomes });
      }
      this.#journal(true); // before sending: a batch the ledger may have is one the journal has
    }
    if (!ignoreBackoff && this.#clock() < this.#retryAt) {
      return;
    }
    while (this.#pending.length > 0) {
      const batch = this.#pending[0] as OutcomeBatch;
      if (!(await this.#send(batch))) {
        return;
      }
      this.#pending.shift();
      this.#failedOnce.delete(batch.batchId);
      this.#journal(false);
    }
  }

  /** true when the batch is settled (recorded, or refused for good); false to retry it later. */
  async #send(batch: OutcomeBatch): Promise<boolean> {
    this.#sent += 1;
    if (this.#failedOnce.has(batch.batchId)) {
      this.#retries += 1;
    }
    const fields = { batchId: batch.batchId, entries: batch.outcomes.length, calls: callsOfBatch(batch) };
    try {
      await this.#sink(batch.batchId, batch.outcomes);
      this.#settled(batch, 'confirmed');
      this.#logger?.debug(fields, 'outcomes recorded');
      return true;
    } catch (error) {
      const kind = error instanceof LedgerError ? error.kind : undefined;
      if (kind === 'CONFLICT') {
        // The ledger has this batch id: an earlier attempt was recorded. Resending would be refused forever.
        this.#settled(batch, 'confirmed');
        this.#logger?.info(fields, 'outcome batch was already recorded');
        return true;
      }
      this.#lastError = error instanceof Error ? error.message : String(error);
      if (kind === 'INVALID_ARGUMENT') {
        // Never recordable; keeping it would block every later batch behind it.
        this.#settled(batch, 'dropped');
        this.#logger?.error(
          { ...fields, reason: this.#lastError },
          'outcome batch refused by the ledger; dropped',
        );
        return true;
      }
      this.#failedOnce.add(batch.batchId);
      this.#consecutiveFailures += 1;
      const wait = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (this.#consecutiveFailures - 1));
      this.#retryAt = this.#clock() + wait;
      this.#logger?.warn(
        { ...fields, reason: this.#lastError, retryInMs: wait },
        'outcome batch failed; will retry',
      );
      return false;
    }
  }

  #settled(batch: OutcomeBatch, how: 'confirmed' | 'dropped'): void {
    this.#consecutiveFailures = 0;
    this.#retryAt = 0;
    if (how === 'confirmed') {
      this.#confirmed += 1;
      this.#recorded += callsOfBatch(batch);
    } else {
      this.#dropped += callsOfBatch(batch);
    }
  }

  #journal(durable: boolean): void {
    if (this.#journalPath !== undefined) {
      writeOutcomeJournal(
        this.#journalPath,
        { epoch: this.#epoch, seq: this.#seq, pending: this.#pending, unbatched: this.#unbatched.peek() },
        durable,
      );
    }
  }
}

function callsOfAll(outcomes: readonly ReportedOutcome[]): number {
  return outcomes.reduce((sum, outcome) => sum + callsIn(outcome), 0);
}

function callsOfBatch(batch: OutcomeBatch): number {
  return callsOfAll(batch.outcomes);
}
