import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { JobNotFoundError, LeaseLostError } from './errors';
import type { ClaimedJob, Clock, Job, JobError, JobState, JsonValue } from './job';
import { NEXT_FINISHED_SEQ } from './database';
import { canonicalJsonText } from './jsonText';
import { JOB_COLUMNS, jobOf, type JobRow } from './rows';

/** The most jobs one claim may take. */
export const MAX_CLAIM_SIZE = 1000;

export interface LeasePolicy {
  readonly leaseMs: number;
  readonly maxAttempts: number;
}

export interface ClaimOptions {
  /** Most jobs to take in this one transaction (1 to MAX_CLAIM_SIZE). Default 1. */
  readonly limit?: number;
  /** How long the claim holds each job. Default: the queue's leaseMs. */
  readonly leaseMs?: number;
}

/** A result to store: only if `leaseToken` is still the job's live lease. */
export interface Completion {
  readonly jobId: string;
  readonly leaseToken: string;
  readonly result: JsonValue;
}

export type CompletionOutcome =
  | { readonly jobId: string; readonly completed: true }
  | { readonly jobId: string; readonly completed: false; readonly error: LeaseLostError | JobNotFoundError };

export interface Leases {
  claim(workerId: string, options: ClaimOptions): ClaimedJob[];
  complete(completions: readonly Completion[]): CompletionOutcome[];
  fail(jobId: string, leaseToken: string, error: JobError, retryable: boolean): Job;
  expire(): number;
}

/**
 * Claims, completions and failures, each in one IMMEDIATE transaction. IMMEDIATE takes the write lock at BEGIN
 * (waiting up to busy_timeout for another connection's), so a claim never reads a job as queued that another
 * connection is claiming: in WAL mode a deferred transaction that read first would instead fail to upgrade.
 *
 * A lease is live while the clock is before its expiry. Only a live lease may store a result or a failure;
 * an expired one is refused even if no one has claimed the job since, so the outcome never depends on when
 * expired leases happen to be swept (each claim sweeps them first).
 */
export function createLeases(db: Database.Database, clock: Clock, policy: LeasePolicy): Leases {
  const failExpired = db.prepare<{ now: number; max: number; error: string }>(
    `UPDATE jobs SET state = 'failed', error = @error, lease_token = NULL, lease_expires_at = NULL, updated_at = @now,
       finished_seq = ${NEXT_FINISHED_SEQ}
     WHERE state = 'signing' AND lease_expires_at <= @now AND attempts >= @max`,
  );
  const requeueExpired = db.prepare<{ now: number }>(
    `UPDATE jobs SET state = 'queued', lease_token = NULL, lease_expires_at = NULL, updated_at = @now
     WHERE state = 'signing' AND lease_expires_at <= @now`,
  );
  // One random claim token, made distinct per job by its seq: a token names exactly one claim of one job.
  const claimQueued = db.prepare<
    { now: number; expires: number; token: string; worker: string; limit: number },
    { seq: number; id: string; payload: string; attempts: number; lease_token: string }
  >(
    `UPDATE jobs SET state = 'signing', attempts = attempts + 1, lease_token = @token || '.' || seq,
       lease_expires_at = @expires, worker = @worker, updated_at = @now
     WHERE seq IN (SELECT seq FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT @limit)
     RETURNING seq, id, payload, attempts, lease_token`,
  );
  const finish = db.prepare<{ id: string; token: string; now: number; result: string }>(
    `UPDATE jobs SET state = 'done', result = @result, error = NULL, lease_token = NULL, lease_expires_at = NULL,
       updated_at = @now, finished_seq = ${NEXT_FINISHED_SEQ}
     WHERE id = @id AND state = 'signing' AND lease_token = @token AND lease_expires_at > @now`,
  );
  const release = db.prepare<{
    id: string;
    token: string;
    now: number;
    error: string;
    retryable: 0 | 1;
    max: number;
  }>(
    `UPDATE jobs SET state = CASE WHEN @retryable = 1 AND attempts < @max THEN 'queued' ELSE 'failed' END,
       error = @error, lease_token = NULL, lease_expires_at = NULL, updated_at = @now,
       finished_seq = CASE WHEN @retryable = 1 AND attempts < @max THEN NULL ELSE ${NEXT_FINISHED_SEQ} END
     WHERE id = @id AND state = 'signing' AND lease_token = @token AND lease_expires_at > @now`,
  );
  const stateOf = db.prepare<[string], { state: JobState }>('SELECT state FROM jobs WHERE id = ?');
  const findJob = db.prepare<[string], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`);

  const expiredError = JSON.stringify({
    code: 'lease-expired',
    message: `no worker finished the job within its lease in ${policy.maxAttempts} attempts`,
  } satisfies JobError);

  const sweep = (now: number): number =>
    failExpired.run({ now, max: policy.maxAttempts, error: expiredError }).changes +
    requeueExpired.run({ now }).changes;

  const refusal = (jobId: string): LeaseLostError | JobNotFoundError => {
    const row = stateOf.get(jobId);
    return row === undefined ? new JobNotFoundError(jobId) : new LeaseLostError(jobId, row.state);
  };

  const claim = db.transaction((workerId: string, limit: number, leaseMs: number): ClaimedJob[] => {
    const now = clock.now();
    sweep(now);
    const rows = claimQueued.all({
      now,
      expires: now + leaseMs,
      token: randomUUID(),
      worker: workerId,
      limit,
    });
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((row) => ({
        id: row.id,
        payload: JSON.parse(row.payload) as JsonValue,
        attempt: row.attempts,
        leaseToken: row.lease_token,
        leaseExpiresAt: now + leaseMs,
      }));
  });

  const complete = db.transaction(
    (completions: readonly { c: Completion; text: string }[]): CompletionOutcome[] => {
      const now = clock.now();
      return completions.map(({ c, text }): CompletionOutcome => {
        // The result is written by the same statement that marks the job done: there is no done job without it.
        const { changes } = finish.run({ id: c.jobId, token: c.leaseToken, now, result: text });
        return changes === 1
          ? { jobId: c.jobId, completed: true }
          : { jobId: c.jobId, completed: false, error: refusal(c.jobId) };
      });
    },
  );

  const fail = db.transaction(
    (jobId: string, leaseToken: string, error: JobError, retryable: boolean): Job => {
      const now = clock.now();
      const { changes } = release.run({
        id: jobId,
        token: leaseToken,
        now,
        error: JSON.stringify({ code: error.code, message: error.message }),
        retryable: retryable ? 1 : 0,
        max: policy.maxAttempts,
      });
      if (changes !== 1) throw refusal(jobId);
      const row = findJob.get(jobId);
      if (row === undefined) throw new JobNotFoundError(jobId);
      return jobOf(row);
    },
  );

  return {
    claim: (workerId, options) => {
      const limit = options.limit ?? 1;
      const leaseMs = options.leaseMs ?? policy.leaseMs;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CLAIM_SIZE) {
        throw new RangeError(`a claim takes 1 to ${MAX_CLAIM_SIZE} jobs, not ${limit}`);
      }
      if (!Number.isInteger(leaseMs) || leaseMs < 1)
        throw new RangeError(`a lease lasts at least 1 ms, not ${leaseMs}`);
      return claim.immediate(workerId, limit, leaseMs);
    },
    complete: (completions) => {
      const texts = completions.map((c) => {
        const json = canonicalJsonText(c.result);
        // A handler's result that is not JSON is a bug of the handler, not a request to refuse.
        if ('problem' in json)
          throw new TypeError(`the result of job ${c.jobId}: ${json.problem.replace(/^\$/, 'result')}`);
        return { c, text: json.text };
      });
      return complete.immediate(texts);
    },
    fail: (jobId, leaseToken, error, retryable) => fail.immediate(jobId, leaseToken, error, retryable),
    expire: () => db.transaction(() => sweep(clock.now())).immediate(),
  };
}
