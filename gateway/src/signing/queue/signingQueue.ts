import type Database from 'better-sqlite3';
import { openQueueDatabase, storage } from './database';
import { JobNotFoundError, QueueClosedError } from './errors';
import {
  systemClock,
  type ClaimedJob,
  type Clock,
  type Job,
  type JobError,
  type JobRequest,
  type JsonValue,
} from './job';
import {
  createLeases,
  type ClaimOptions,
  type Completion,
  type CompletionOutcome,
  type Leases,
} from './leases';
import { JOB_COLUMNS, jobOf, type JobRow } from './rows';
import { createStats, type QueueStats } from './stats';
import { createSubmitter, type SubmitOptions, type SubmitResult } from './submit';
import { CompletionWaiter } from './waiter';

export interface SigningQueueOptions {
  /** Folder of the database file (`signing-queue.sqlite`); created if missing. */
  readonly dataDir: string;
  /** Where time comes from (lease expiry, ages, timestamps). Default: the system clock. */
  readonly clock?: Clock;
  /** How long a claim holds a job unless the claim says otherwise. Default 30 000 ms. */
  readonly leaseMs?: number;
  /** Claims of a job before an expired lease fails it for good. Default 3. */
  readonly maxAttempts?: number;
  /** How long a write waits for another connection's write lock (SQLite busy_timeout). Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): an accepted request survives a power cut. `normal`: it survives a crash of the process
   * but the last commits may be lost with the machine — faster, for tests and benches.
   */
  readonly durability?: 'full' | 'normal';
  /** How often `waitFor` re-reads a job that another process may finish. Default 50 ms. */
  readonly pollMs?: number;
}

export interface WaitOptions {
  /** Give up after this long (real time) and answer the job as it then is. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The signing service's durable request queue: an embedded SQLite database that several workers — in this
 * process or in others on the same file — claim jobs from under leases. Every accepted request is stored
 * before `submit` returns and ends `done` or `failed` exactly once, across crashes of any process: a result is
 * stored only under a live lease, in the transaction that marks the job done, and a done job never changes.
 * A worker whose lease expired may still have signed (signing can happen twice in that window), but its
 * complete is refused, so only one token per job is ever stored and released.
 *
 * better-sqlite3 is synchronous: each call runs its transaction to the end before returning, blocking this
 * process's event loop for as long (and, when another connection holds the write lock, up to busy_timeout).
 */
export class SigningQueue {
  readonly #db: Database.Database;
  readonly #submit: ReturnType<typeof createSubmitter>;
  readonly #leases: Leases;
  readonly #stats: () => QueueStats;
  readonly #waiter: CompletionWaiter;
  readonly #findJob: Database.Statement<[string], JobRow>;
  readonly #findPayload: Database.Statement<[string], { payload: string }>;
  readonly #pollMs: number;
  readonly #submitted = new Set<() => void>();
  #closed = false;

  private constructor(db: Database.Database, options: SigningQueueOptions) {
    const clock = options.clock ?? systemClock;
    this.#db = db;
    this.#submit = createSubmitter(db, clock);
    this.#leases = createLeases(db, clock, {
      leaseMs: options.leaseMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 3,
    });
    this.#stats = createStats(db, clock);
    this.#findJob = db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`);
    this.#findPayload = db.prepare('SELECT payload FROM jobs WHERE id = ?');
    this.#pollMs = options.pollMs ?? 50;
    const latest = db.prepare<[], { n: number }>('SELECT coalesce(max(finished_seq), 0) AS n FROM jobs');
    const since = db.prepare<[number], { id: string; finishedSeq: number }>(
      'SELECT id, finished_seq AS finishedSeq FROM jobs WHERE finished_seq > ? ORDER BY finished_seq LIMIT 10000',
    );
    this.#waiter = new CompletionWaiter(
      {
        latest: () => latest.get()?.n ?? 0,
        since: (after) => since.all(after),
      },
      this.#pollMs,
    );
  }

  /** Opens the queue in `dataDir`, creating its database on first use. Close it with `close()`. */
  static open(options: SigningQueueOptions): SigningQueue {
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new RangeError('maxAttempts must be at least 1');
    const db = openQueueDatabase({
      dataDir: options.dataDir,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      durability: options.durability ?? 'full',
    });
    return new SigningQueue(db, options);
  }

  /** Accepts one request (see SubmitOptions for the Idempotency-Key). */
  submit(
    request: JobRequest,
    options: SubmitOptions = {},
  ): { readonly job: Job; readonly replayed: boolean } {
    const { jobs, replayed } = this.#run('submit a request', () =>
      this.#submit([request], 'single', options),
    );
    if (!replayed) this.#notifySubmitted();
    const [job] = jobs;
    // One request always gives one job; the check is for the type checker.
    if (job === undefined) throw new Error('a submission of one request answered no job');
    return { job, replayed };
  }

  /** Accepts 1 to MAX_BATCH_SIZE requests in one transaction: all are stored, or none. */
  submitBatch(requests: readonly JobRequest[], options: SubmitOptions = {}): SubmitResult {
    const result = this.#run('submit a batch', () => this.#submit(requests, 'batch', options));
    if (!result.replayed) this.#notifySubmitted();
    return result;
  }

  /**
   * Calls `listener` on the next submission through this instance (not another process's: those are polled for).
   * Returns the unsubscribe function; a listener is called at most once.
   */
  onSubmitted(listener: () => void): () => void {
    const once = (): void => {
      this.#submitted.delete(once);
      listener();
    };
    this.#submitted.add(once);
    return () => this.#submitted.delete(once);
  }

  #notifySubmitted(): void {
    for (const listener of [...this.#submitted]) listener();
  }

  /**
   * Claims up to `limit` jobs, oldest first, for `workerId` (a name for operators). Leases that expired are
   * swept first in the same transaction: their jobs become claimable again, or fail after maxAttempts.
   */
  claim(workerId: string, options: ClaimOptions = {}): ClaimedJob[] {
    return this.#run('claim jobs', () => this.#leases.claim(workerId, options));
  }

  /** Stores the result and marks the job done, if the lease is still live. Throws LeaseLostError if not. */
  complete(jobId: string, leaseToken: string, result: Completion['result']): Job {
    for (const outcome of this.completeBatch([{ jobId, leaseToken, result }])) {
      if (!outcome.completed) throw outcome.error;
    }
    return this.get(jobId);
  }

  /**
   * Completes several jobs in one transaction. Each stands alone: a job whose lease was lost is refused and
   * left unchanged, the others are stored.
   */
  completeBatch(completions: readonly Completion[]): CompletionOutcome[] {
    const outcomes = this.#run('complete jobs', () => this.#leases.complete(completions));
    this.#waiter.notify(outcomes.filter((o) => o.completed).map((o) => o.jobId));
    return outcomes;
  }

  /**
   * Gives a claimed job up with an error. `retryable` puts it back in the queue while attempts remain;
   * otherwise it fails for good. Throws LeaseLostError if the lease is no longer live.
   */
  fail(
    jobId: string,
    leaseToken: string,
    error: JobError,
    options: Readonly<{ retryable?: boolean }> = {},
  ): Job {
    const job = this.#run('fail a job', () =>
      this.#leases.fail(jobId, leaseToken, error, options.retryable ?? false),
    );
    if (job.done) this.#waiter.notify([jobId]);
    return job;
  }

  /** Requeues (or fails) every job whose lease has expired; returns how many. Claims do this themselves. */
  expireLeases(): number {
    return this.#run('expire leases', () => this.#leases.expire());
  }

  /** The job's status. Throws JobNotFoundError for an unknown id. */
  get(jobId: string): Job {
    const row = this.#run('read a job', () => this.#findJob.get(jobId));
    if (row === undefined) throw new JobNotFoundError(jobId);
    return jobOf(row);
  }

  /** The payload the job was accepted with (who asked, what to sign). Throws JobNotFoundError for an unknown id. */
  payloadOf(jobId: string): JsonValue {
    const row = this.#run('read a job', () => this.#findPayload.get(jobId));
    if (row === undefined) throw new JobNotFoundError(jobId);
    return JSON.parse(row.payload) as JsonValue;
  }

  /** Resolves when the job is done or failed, or with its current state once `timeoutMs` has passed. */
  waitFor(jobId: string, options: WaitOptions): Promise<Job> {
    return this.#waiter.wait(jobId, () => this.get(jobId), options);
  }

  stats(): QueueStats {
    return this.#run('read the queue figures', () => this.#stats());
  }

  /** Closes the database; pending waits fail with QueueClosedError. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiter.close();
    this.#db.close();
  }

  #run<T>(what: string, step: () => T): T {
    if (this.#closed) throw new QueueClosedError();
    return storage(what, step);
  }
}
