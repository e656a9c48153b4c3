/** What the queue stores and hands out. All times are epoch milliseconds of the queue's clock. */

/** A value that survives JSON text unchanged: what a payload or a result may be. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const JOB_STATES = ['queued', 'signing', 'done', 'failed'] as const;

export type JobState = (typeof JOB_STATES)[number];

/** Why a job failed, in words safe to show to the client that asked for it (never key bytes or tokens). */
export interface JobError {
  readonly code: string;
  readonly message: string;
}

/**
 * A job as its status shows it; the REST layer renders it as a long-running operation (AIP-151: `done`, then
 * `error` or `response`). Only one of `result` and `error` is ever present, and only once `done` is true.
 */
export interface Job {
  readonly id: string;
  readonly state: JobState;
  /** True once the job is `done` or `failed`: it never changes again. */
  readonly done: boolean;
  readonly result?: JsonValue;
  readonly error?: JobError;
  /** Claims of the job so far (a claim whose lease expired counts). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One request to sign: its payload (the claim set) and, optionally, the client's own id for it. */
export interface JobRequest {
  readonly payload: JsonValue;
  /**
   * The job id; default a random UUID. Submitting the same id again with the same payload returns the job
   * already stored, with another payload it is refused: one id never names two different results.
   */
  readonly id?: string;
}

/** A job a worker holds until `leaseExpiresAt`: only that worker may store its result, and only until then. */
export interface ClaimedJob {
  readonly id: string;
  readonly payload: JsonValue;
  /** 1 on the first claim, +1 on each claim after a lease expired or a retryable failure. */
  readonly attempt: number;
  readonly leaseToken: string;
  readonly leaseExpiresAt: number;
}

/** Where the queue reads time; injectable so tests can expire leases without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
