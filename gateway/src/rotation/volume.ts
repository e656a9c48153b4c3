import type { Logger } from 'pino';
import { LedgerError } from '../fabric';
import { VolumeJournal } from './volumeJournal';

/** One aggregated report, as `KeyRotation:ReportMessageVolume` takes it. */
export interface VolumeReport {
  readonly queueId: string;
  readonly version: number;
  readonly count: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

export type VolumeSink = (report: VolumeReport) => Promise<void>;

/**
 * Messages sealed under one (queue, key version) and not yet reported. The encrypt path only increments
 * `pending`; everything else happens at flush time.
 */
export class VolumeCounter {
  readonly queueId: string;
  readonly version: number;
  pending = 0;
  /** Start of the next window: the end of the previous one, or when the counter was made. */
  nextWindowStart: number;
  /** A report sent but not confirmed (the ledger may or may not have it); resent as is. */
  outstanding: VolumeReport | undefined;
  /** Confirmed by the ledger, in this run. */
  reported = 0;
  /** Confirmed by the ledger across runs (the journal's count). */
  reportedTotal = 0;
  /** Messages sealed across runs, counting a crashed run's whole reservation. */
  sealed = 0;
  /** The journal's ceiling: `sealed` never passes it before it is raised on disk. */
  reserved = 0;
  retired = false;

  constructor(queueId: string, version: number, now: number) {
    this.queueId = queueId;
    this.version = version;
    this.nextWindowStart = now;
  }
}

export interface VolumeReporterOptions {
  readonly sink: VolumeSink;
  /** Flush at least this often (default 5 s). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many messages are unreported across all counters (default 1000). */
  readonly flushEveryMessages?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Where reservations and confirmed counts survive a crash (default: in memory, no durability). */
  readonly journal?: VolumeJournal;
  /** Messages reserved at a time (default 1000): the most a crash can overcount, besides one unconfirmed report. */
  readonly reserveBlock?: number;
}

/**
 * Aggregates message counts per (queue, key version) and reports them in batches: every `flushIntervalMs`,
 * or once `flushEveryMessages` are waiting — never one ledger call per message.
 *
 * Windows of one reporter and version are contiguous and never go backwards: [t0, t1], [t1, t2], … with
 * each tᵢ taken from the clock when the window closes. That also makes a report idempotent: a report whose
 * answer was lost is resent with the same window, and the ledger refuses a window that starts before the
 * last recorded end (CONFLICT) — which then means it was recorded already, and it is dropped.
 */
export class VolumeReporter {
  readonly #sink: VolumeSink;
  readonly #intervalMs: number;
  readonly #every: number;
  readonly #clock: () => number;
  readonly #logger: Logger | undefined;
  readonly #journal: VolumeJournal;
  readonly #reserveBlock: number;
  readonly #counters = new Map<string, VolumeCounter>();
  #unflushed = 0;
  #kicked = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #stopped = false;
  #reports = 0;
  #failures = 0;

  constructor(options: VolumeReporterOptions) {
    this.#sink = options.sink;
    this.#intervalMs = options.flushIntervalMs ?? 5_000;
    this.#every = options.flushEveryMessages ?? 1_000;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    this.#journal = options.journal ?? new VolumeJournal();
    this.#reserveBlock = options.reserveBlock ?? 1_000;
    if (!(this.#intervalMs > 0) || !Number.isSafeInteger(this.#every) || this.#every < 1) {
      throw new Error('flushIntervalMs must be > 0 and flushEveryMessages a positive integer');
    }
    if (!Number.isSafeInteger(this.#reserveBlock) || this.#reserveBlock < 1) {
      throw new Error('reserveBlock must be a positive integer');
    }
  }

  /**
   * Counters for what a crashed run left in the journal: everything it reserved beyond what the ledger confirmed
   * is reported as used at the next flush. Such a counter is dropped after that report unless the node takes its
   * version into use again ({@link counter}).
   */
  recover(): number {
    let recovered = 0;
    for (const entry of this.#journal.entries()) {
      const key = `${entry.queueId}\u0000${entry.version}`;
      if (this.#counters.has(key)) {
        continue;
      }
      const counter = this.#newCounter(entry.queueId, entry.version);
      counter.retired = true;
      this.#counters.set(key, counter);
      recovered += counter.pending;
    }
    if (recovered > 0) {
      this.#unflushed += recovered;
      this.#logger?.warn(
        { messages: recovered },
        'message volume reserved before a restart is reported as used',
      );
    }
    return recovered;
  }

  #newCounter(queueId: string, version: number): VolumeCounter {
    const counter = new VolumeCounter(queueId, version, this.#clock());
    const entry = this.#journal.get(queueId, version);
    if (entry !== undefined) {
      counter.sealed = entry.reserved;
      counter.reserved = entry.reserved;
      counter.reportedTotal = entry.reported;
      counter.pending = Math.max(0, entry.reserved - entry.reported);
    }
    return counter;
  }

  /** The counter of (queue, version), made on first use. */
  counter(queueId: string, version: number): VolumeCounter {
    const key = `${queueId}\u0000${version}`;
    let counter = this.#counters.get(key);
    if (!counter) {
      counter = this.#newCounter(queueId, version);
      this.#unflushed += counter.pending;
      this.#counters.set(key, counter);
    }
    counter.retired = false;
    return counter;
  }

  /**
   * Hot path: counts one message, before the message is handed out. Once a block, the new ceiling is written
   * and fsynced first (a few milliseconds per `reserveBlock` messages), so a crash never loses a count.
   */
  record(counter: VolumeCounter): void {
    counter.sealed += 1;
    if (counter.sealed > counter.reserved) {
      counter.reserved = counter.sealed - 1 + this.#reserveBlock;
      this.#journal.reserve(counter.queueId, counter.version, counter.reserved);
    }
    counter.pending += 1;
    this.#unflushed += 1;
    if (this.#unflushed >= this.#every && !this.#kicked && !this.#stopped) {
      this.#kicked = true;
      setImmediate(() => {
        void this.flush();
      });
    }
  }

  /** The counter is no longer needed (its key version was retired); it is dropped after its last report. */
  retire(counter: VolumeCounter): void {
    counter.retired = true;
  }

  start(): void {
    if (this.#timer === undefined && !this.#stopped) {
      this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Reports everything counted so far. Concurrent calls run one after the other. */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flushOnce());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and makes a last flush. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    await this.flush();
  }

  get stats(): { reports: number; failures: number; unreported: number } {
    let unreported = 0;
    for (const counter of this.#counters.values()) {
      unreported += counter.pending + (counter.outstanding?.count ?? 0);
    }
    return { reports: this.#reports, failures: this.#failures, unreported };
  }

  async #flushOnce(): Promise<void> {
    this.#kicked = false;
    this.#unflushed = 0;
    for (const [key, counter] of [...this.#counters]) {
      if (counter.outstanding && !(await this.#send(counter, counter.outstanding))) {
        continue;
      }
      if (counter.pending > 0) {
        const windowEnd = Math.max(this.#clock(), counter.nextWindowStart);
        const report: VolumeReport = {
          queueId: counter.queueId,
          version: counter.version,
          count: counter.pending,
          windowStart: counter.nextWindowStart,
          windowEnd,
        };
        counter.pending = 0;
        counter.nextWindowStart = windowEnd;
        counter.outstanding = report;
        await this.#send(counter, report);
      }
      if (counter.retired && counter.pending === 0 && counter.outstanding === undefined) {
        this.#counters.delete(key);
        this.#journal.forget(counter.queueId, counter.version);
      }
    }
  }

  #confirmed(counter: VolumeCounter, count: number): void {
    counter.reported += count;
    counter.reportedTotal += count;
    this.#journal.confirm(counter.queueId, counter.version, counter.reportedTotal);
  }

  /** true when the report is settled (recorded, or known never to be recordable). */
  async #send(counter: VolumeCounter, report: VolumeReport): Promise<boolean> {
    const fields = {
      queueId: report.queueId,
      version: report.version,
      count: report.count,
      windowStart: report.windowStart,
      windowEnd: report.windowEnd,
    };
    try {
      await this.#sink(report);
      counter.outstanding = undefined;
      this.#confirmed(counter, report.count);
      this.#reports += 1;
      this.#logger?.debug(fields, 'message volume reported');
      return true;
    } catch (error) {
      this.#failures += 1;
      const kind = error instanceof LedgerError ? error.kind : undefined;
      if (kind === 'CONFLICT') {
        // The ledger has a window ending after this one starts: an earlier attempt of this very report was
        // recorded and its answer lost. Resending would count it twice.
        counter.outstanding = undefined;
        this.#confirmed(counter, report.count);
        this.#logger?.warn({ ...fields, reason: (error as Error).message }, 'volume report already recorded');
        return true;
      }
      if (kind === 'NOT_FOUND' || kind === 'FORBIDDEN' || kind === 'INVALID_ARGUMENT') {
        counter.outstanding = undefined;
        this.#confirmed(counter, report.count); // settled: never recordable, so never recovered again
        this.#logger?.error(
          { ...fields, kind, reason: (error as Error).message },
          'volume report refused by the ledger; dropped',
        );
        return true;
      }
      this.#logger?.warn(
        { ...fields, reason: error instanceof Error ? error.message : String(error) },
        'volume report failed; will retry',
      );
      return false;
    }
  }
}
