import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LedgerError } from '../../fabric';
import { writeFileAtomic } from '../../files';
import { errorText } from '../../logging';
import type { OutcomeInput } from '../ledger';

/** Sends one batch to the ledger (KeyProviders:RecordOutcomes): one transaction. */
export type OutcomeSink = (batchId: string, outcomes: readonly OutcomeInput[]) => Promise<void>;

export interface OutcomeReporterOptions {
  /** Part of every batch id; unique per orchestrator. */
  readonly orchestratorId: string;
  readonly sink: OutcomeSink;
  /** Flush at least this often (default 5 s). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many outcomes wait (default 200). */
  readonly flushEvery?: number;
  /** Largest batch (default 500, the chaincode's limit). */
  readonly maxBatch?: number;
  /** Where cut batches survive a crash until the ledger has them (default: memory only). */
  readonly journalPath?: string;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

export interface OutcomeBatch {
  readonly batchId: string;
  readonly outcomes: readonly OutcomeInput[];
}

export interface ReporterStats {
  /** Outcomes recorded by the orchestrator in this run. */
  readonly recorded: number;
  /** Outcomes not yet confirmed by the ledger (waiting or in cut batches). */
  readonly pending: number;
  readonly batchesSent: number;
  readonly batchesConfirmed: number;
  /** Batches the ledger already had (a retry of a batch whose first answer was lost). */
  readonly batchesAlreadyRecorded: number;
  readonly retries: number;
  readonly lastError?: string;
}

const journalSchema = z.strictObject({
  version: z.literal(1),
  epoch: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  batches: z.array(
    z.strictObject({
      batchId: z.string().min(1),
      outcomes: z.array(
        z.strictObject({
          providerId: z.string().min(1),
          success: z.boolean(),
          latencyMs: z.number().int().nonnegative(),
          at: z.number().int().nonnegative(),
        }),
      ),
    }),
  ),
});

/**
 * Reports provider outcomes to the ledger in batches: one RecordOutcomes transaction per batch, every
 * `flushIntervalMs` or `flushEvery` outcomes, never one per request. `record` only appends in memory.
 *
 * A batch, once cut, keeps its id (`<orchestratorId>-<epoch>-<seq>`) and its outcomes until the ledger has it: a
 * failed send is retried with the same batch, and the chaincode refuses a batch id it has seen (CONFLICT), which
 * here means "already recorded". So a retry after a lost answer never counts twice and a ledger outage loses
 * nothing. With a journal, cut batches are written (atomically, fsynced) before they are sent, and a restart
 * resends them with their ids; outcomes not yet cut when the process dies — at most one interval's — are lost,
 * which only costs the score some evidence.
 */
export class OutcomeReporter {
  readonly #o: OutcomeReporterOptions;
  readonly #clock: () => number;
  readonly #flushEvery: number;
  readonly #maxBatch: number;
  #epoch: number;
  #seq = 0;
  #waiting: OutcomeInput[] = [];
  #batches: OutcomeBatch[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #backoffUntil = 0;
  #failures = 0;
  #stats = {
    recorded: 0,
    batchesSent: 0,
    batchesConfirmed: 0,
    batchesAlreadyRecorded: 0,
    retries: 0,
    lastError: undefined as string | undefined,
  };

  constructor(options: OutcomeReporterOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#flushEvery = options.flushEvery ?? 200;
    this.#maxBatch = Math.min(options.maxBatch ?? 500, 500);
    this.#epoch = this.#clock();
  }

  /** Loads batches a previous run cut but did not see confirmed; they are sent first, with their own ids. */
  recover(): void {
    const path = this.#o.journalPath;
    if (path === undefined || !existsSync(path)) {
      return;
    }
    const journal = journalSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    this.#batches = [...journal.batches, ...this.#batches];
    // A new epoch for this run's batches: ids never repeat across runs, even with the clock set back.
    this.#epoch = Math.max(this.#clock(), journal.epoch + 1);
    this.#o.logger?.info({ batches: journal.batches.length }, 'outcome batches to resend from the journal');
  }

  start(): void {
    const interval = this.#o.flushIntervalMs ?? 5_000;
    this.#timer = setInterval(() => void this.flush(), interval);
    this.#timer.unref();
  }

  record(outcome: OutcomeInput): void {
    this.#waiting.push(outcome);
    this.#stats.recorded += 1;
    if (this.#waiting.length >= this.#flushEvery) {
      void this.flush();
    }
  }

  stats(): ReporterStats {
    const pending = this.#waiting.length + this.#batches.reduce((n, b) => n + b.outcomes.length, 0);
    const { lastError, ...counts } = this.#stats;
    return { ...counts, pending, ...(lastError !== undefined ? { lastError } : {}) };
  }

  /** Cuts what waits into batches and sends every batch, oldest first; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timer and sends what it can within `timeoutMs` (default 5 s); the journal keeps the rest. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    this.#backoffUntil = 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.stats().pending > 0) {
      throw new Error(`${this.stats().pending} outcomes were not confirmed by the ledger`);
    }
  }

  async #flush(): Promise<void> {
    this.#cut();
    if (this.#clock() < this.#backoffUntil) {
      return;
    }
    while (this.#batches.length > 0) {
      const batch = this.#batches[0] as OutcomeBatch;
      this.#stats.batchesSent += 1;
      try {
        await this.#o.sink(batch.batchId, batch.outcomes);
        this.#stats.batchesConfirmed += 1;
      } catch (error) {
        if (error instanceof LedgerError && error.kind === 'CONFLICT') {
          this.#stats.batchesAlreadyRecorded += 1;
        } else {
          this.#failures += 1;
          this.#stats.retries += 1;
          this.#stats.lastError = errorText(error);
          // 1 s, 2 s, 4 s … up to 30 s between attempts while the ledger does not take the batch.
          this.#backoffUntil = this.#clock() + Math.min(30_000, 1_000 * 2 ** Math.min(this.#failures - 1, 5));
          this.#o.logger?.warn(
            { batchId: batch.batchId, outcomes: batch.outcomes.length, error: errorText(error) },
            'outcome batch not recorded; it is kept and retried with the same id',
          );
          return;
        }
      }
      this.#failures = 0;
      this.#batches.shift();
      this.#persist();
    }
  }

  /** Moves waiting outcomes into batches of at most maxBatch, journaled before any is sent. */
  #cut(): void {
    if (this.#waiting.length === 0) {
      return;
    }
    while (this.#waiting.length > 0) {
      const outcomes = this.#waiting.splice(0, this.#maxBatch);
      this.#seq += 1;
      this.#batches.push({ batchId: `${this.#o.orchestratorId}-${this.#epoch}-${this.#seq}`, outcomes });
    }
    this.#persist();
  }

  #persist(): void {
    if (this.#o.journalPath === undefined) {
      return;
    }
    const journal: z.input<typeof journalSchema> = {
      version: 1,
      epoch: this.#epoch,
      seq: this.#seq,
      batches: this.#batches.map((b) => ({ batchId: b.batchId, outcomes: [...b.outcomes] })),
    };
    writeFileAtomic(this.#o.journalPath, `${JSON.stringify(journal)}\n`);
  }
}
