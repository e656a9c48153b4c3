import { setTimeout as sleep } from 'node:timers/promises';
import { JobFailure, LeaseLostError } from './errors';
import type { ClaimedJob, JobError, JsonValue } from './job';
import type { Completion } from './leases';
import type { SigningQueue } from './signingQueue';

/** Produces a job's result (the signed token); throws JobFailure to fail the job with a message of its own. */
export type JobHandler = (job: ClaimedJob) => Promise<JsonValue>;

/**
 * Produces the results of a whole claimed batch at once (one HSM session for all its tokens): one entry per job, in
 * order — a result, or a JobFailure for that job alone. Throwing fails every job of the batch.
 */
export type BatchJobHandler = (jobs: readonly ClaimedJob[]) => Promise<readonly (JsonValue | JobFailure)[]>;

export interface QueueWorkersOptions {
  readonly queue: SigningQueue;
  /** Per job; or give `batchHandler` instead. */
  readonly handler?: JobHandler;
  readonly batchHandler?: BatchJobHandler;
  /** Name of this pool in the jobs it claims (`<name>/<loop>`), for operators. Default `worker`. */
  readonly name?: string;
  /** Claim loops running at once. Default 1. */
  readonly workers?: number;
  /** Jobs each loop claims in one transaction, handles concurrently and completes in one. Default 10. */
  readonly claimBatch?: number;
  /** Lease of each claim. Default: the queue's. */
  readonly leaseMs?: number;
  /** Pause of a loop that found the queue empty. Default 50 ms. */
  readonly idleMs?: number;
}

export interface QueueWorkersStats {
  readonly completed: number;
  readonly failed: number;
  /** Results dropped because their lease was lost before they were stored. */
  readonly leaseLost: number;
}

export interface QueueWorkers {
  stats(): QueueWorkersStats;
  /**
   * Lets every loop finish the batch it holds, then resolves. Rejects with the error that stopped the pool
   * early, if one did (a storage error: the loops stop at the first, leaving their leases to expire).
   */
  stop(): Promise<void>;
}

const UNEXPECTED: JobError = { code: 'signing-failed', message: 'the signer failed on this request' };

/** Starts a pool of claim loops over the queue; each claims a batch, runs the handler on it and stores it. */
export function startQueueWorkers(options: QueueWorkersOptions): QueueWorkers {
  const { queue } = options;
  const batchHandler: BatchJobHandler =
    options.batchHandler ??
    ((jobs) => {
      const handler = options.handler;
      if (handler === undefined) {
        throw new Error('startQueueWorkers needs a handler or a batchHandler');
      }
      return Promise.all(jobs.map((job) => handler(job).catch((error: unknown) => asFailure(error))));
    });
  if (options.handler === undefined && options.batchHandler === undefined) {
    throw new Error('startQueueWorkers needs a handler or a batchHandler');
  }
  const claimBatch = options.claimBatch ?? 10;
  const idleMs = options.idleMs ?? 50;
  const stopping = new AbortController();
  let completed = 0;
  let failed = 0;
  let leaseLost = 0;

  const settle = (job: ClaimedJob, outcome: JsonValue | JobFailure): Completion | undefined => {
    if (!(outcome instanceof JobFailure)) {
      return { jobId: job.id, leaseToken: job.leaseToken, result: outcome };
    }
    try {
      queue.fail(job.id, job.leaseToken, outcome.jobError, { retryable: outcome.retryable });
      failed++;
    } catch (refused) {
      if (!(refused instanceof LeaseLostError)) throw refused;
      leaseLost++;
    }
    return undefined;
  };

  const run = async (jobs: readonly ClaimedJob[]): Promise<readonly (JsonValue | JobFailure)[]> => {
    try {
      const outcomes = await batchHandler(jobs);
      if (outcomes.length !== jobs.length) {
        throw new Error(`the batch handler answered ${outcomes.length} results for ${jobs.length} jobs`);
      }
      return outcomes;
    } catch (error) {
      return jobs.map(() => asFailure(error));
    }
  };

  const loop = async (workerId: string): Promise<void> => {
    while (!stopping.signal.aborted) {
      const jobs = queue.claim(workerId, {
        limit: claimBatch,
        ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      });
      if (jobs.length === 0) {
        // A submission in this process wakes an idle worker at once; one in another process is seen within idleMs.
        const idle = new AbortController();
        const wake = (): void => idle.abort();
        stopping.signal.addEventListener('abort', wake, { once: true });
        const unsubscribe = queue.onSubmitted(wake);
        await sleep(idleMs, undefined, { signal: idle.signal }).catch(() => undefined);
        unsubscribe();
        stopping.signal.removeEventListener('abort', wake);
        continue;
      }
      const outcomes = await run(jobs);
      const completions = jobs
        .map((job, i) => settle(job, outcomes[i] as JsonValue | JobFailure))
        .filter((c) => c !== undefined);
      if (completions.length === 0) continue;
      for (const outcome of queue.completeBatch(completions)) {
        if (outcome.completed) completed++;
        else leaseLost++;
      }
    }
  };

  const name = options.name ?? 'worker';
  const loops = Array.from({ length: options.workers ?? 1 }, (_, i) =>
    loop(`${name}/${i}`).catch((error: unknown) => {
      stopping.abort();
      throw error;
    }),
  );
  const all = Promise.all(loops);
  // Reported by stop(); until then a failed pool must not crash the process as an unhandled rejection.
  all.catch(() => undefined);
  return {
    stats: () => ({ completed, failed, leaseLost }),
    stop: async () => {
      stopping.abort();
      await all;
    },
  };
}

/** A handler's own error text may name keys: only a JobFailure's message reaches the client. */
function asFailure(error: unknown): JobFailure {
  return error instanceof JobFailure
    ? error
    : new JobFailure({ ...UNEXPECTED, retryable: true, cause: error });
}
