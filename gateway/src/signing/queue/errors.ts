import { ServiceError } from '../../errors';
import type { JobError, JobState } from './job';

/** A request the queue cannot accept as given (bad id, too many in a batch, a payload that is not JSON). */
export class InvalidJobRequestError extends ServiceError {
  /** The request's position in its batch, when the fault is one request's. */
  readonly index: number | undefined;

  constructor(message: string, index?: number) {
    super({ message, problemType: 'invalid-request', extensions: index === undefined ? {} : { index } });
    this.index = index;
  }
}

/**
 * The body differs from the one first stored under the same Idempotency-Key (`idempotency-key`), or a job of
 * the same id was accepted with another payload (`job-id`). Nothing was stored: answering either with the old
 * job would give one key or id two different meanings.
 */
export class IdempotencyConflictError extends ServiceError {
  readonly reason: 'idempotency-key' | 'job-id';

  constructor(reason: 'idempotency-key' | 'job-id', jobId?: string) {
    super(
      reason === 'idempotency-key'
        ? {
            message: 'this Idempotency-Key was already used with a different body',
            problemType: 'idempotency-key-reused',
          }
        : {
            message: `job ${jobId ?? ''} already exists with a different payload`,
            problemType: 'conflict',
            extensions: { jobId },
          },
    );
    this.reason = reason;
  }
}

export class JobNotFoundError extends ServiceError {
  readonly jobId: string;

  constructor(jobId: string) {
    super({ message: `no job ${jobId}`, problemType: 'not-found', extensions: { jobId } });
    this.jobId = jobId;
  }
}

/**
 * The caller's lease on the job is gone: it expired (and the job may have been claimed by another worker) or
 * the job is finished. Nothing was changed; the caller must drop what it produced for this job.
 */
export class LeaseLostError extends ServiceError {
  readonly jobId: string;
  /** The job's state as the refusal found it. */
  readonly state: JobState;

  constructor(jobId: string, state: JobState) {
    super({
      message: `the lease on job ${jobId} is no longer this worker's (job is ${state}); nothing was stored`,
      problemType: 'conflict',
      extensions: { jobId, state },
    });
    this.jobId = jobId;
    this.state = state;
  }
}

/** The database failed or stayed locked past the busy timeout; `cause` is better-sqlite3's SqliteError. */
export class QueueStorageError extends ServiceError {
  /** SQLite's extended result code, e.g. SQLITE_BUSY, when SQLite gave one. */
  readonly sqliteCode: string | undefined;

  constructor(message: string, options: Readonly<{ sqliteCode?: string; cause?: unknown }> = {}) {
    super({
      message,
      detail: 'the signing queue is unavailable',
      problemType: 'unavailable',
      cause: options.cause,
    });
    this.sqliteCode = options.sqliteCode;
  }
}

export class QueueClosedError extends ServiceError {
  constructor() {
    super({ message: 'the signing queue is closed', problemType: 'unavailable' });
  }
}

/**
 * Thrown by a job handler to fail its job with a message meant for the client. Any other error fails the job
 * with a generic message, since a handler's own error text may name keys or tokens.
 */
export class JobFailure extends Error {
  readonly jobError: JobError;
  /** Claim the job again (until the queue's maxAttempts) rather than fail it for good. */
  readonly retryable: boolean;

  constructor(options: Readonly<{ code: string; message: string; retryable?: boolean; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = JobFailure.name;
    this.jobError = { code: options.code, message: options.message };
    this.retryable = options.retryable ?? false;
  }
}
