import { setTimeout as sleep } from 'node:timers/promises';
import { JobFailure, LeaseLostError } from './errors';
import type { ClaimedJob, JobError, JsonValue } from './job';
import type { Completion } from './leases';
import type { SigningQueue } from './signingQueue';

/** Produces a job's result (the signed token); throws JobFailure to fail the job with a message of its own. */
export type JobHandler = (job: ClaimedJob) => Promise<JsonValue>;

export interface QueueWorkersOptions {
  readonly queue: SigningQueue;
  readonly handler: JobHandler;
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
  const { queue, handler } = options;
  const claimBatch = options.claimBatch ?? 10;
  const idleMs = options.idleMs ?? 50;
  const stopping = new AbortController();
  let completed = 0;
  let failed = 0;
  let leaseLost = 0;

  const settle = async (job: ClaimedJob): Promise<Completion | undefined> => {
    try {
      return { jobId: job.id, leaseToken: job.leaseToken, result: await handler(job) };
    } catch (error) {
      // A handler's own error text may name keys: only a JobFailure's message reaches the client.
      const failure = error instanceof JobFailure ? error : undefined;
      try {
        queue.fail(job.id, job.leaseToken, failure?.jobError ?? UNEXPECTED, {
          retryable: failure?.retryable ?? true,
        });
        failed++;
      } catch (refused) {
        if (!(refused instanceof LeaseLostError)) throw refused;
        leaseLost++;
      }
      return undefined;
    }
  };

  const loop = async (workerId: string): Promise<void> => {
    while (!stopping.signal.aborted) {
      const jobs = queue.claim(workerId, {
        limit: claimBatch,
        ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      });
      if (jobs.length === 0) {
        await sleep(idleMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      const completions = (await Promise.all(jobs.map(settle))).filter((c) => c !== undefined);
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
