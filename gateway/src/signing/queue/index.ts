/**
 * The signing service's durable request queue (issue 12, part 1): an embedded SQLite database claimed by
 * workers under leases. See README.md in this folder for what it guarantees across crashes.
 */
export { QUEUE_FILE_NAME } from './database';
export {
  IdempotencyConflictError,
  InvalidJobRequestError,
  JobFailure,
  JobNotFoundError,
  LeaseLostError,
  QueueClosedError,
  QueueStorageError,
} from './errors';
export {
  JOB_STATES,
  systemClock,
  type ClaimedJob,
  type Clock,
  type Job,
  type JobError,
  type JobRequest,
  type JobState,
  type JsonValue,
} from './job';
export { MAX_CLAIM_SIZE, type ClaimOptions, type Completion, type CompletionOutcome } from './leases';
export { SigningQueue, type SigningQueueOptions, type WaitOptions } from './signingQueue';
export { type QueueStats } from './stats';
export { MAX_BATCH_SIZE, type SubmitOptions, type SubmitResult } from './submit';
export {
  startQueueWorkers,
  type BatchJobHandler,
  type JobHandler,
  type QueueWorkers,
  type QueueWorkersOptions,
  type QueueWorkersStats,
} from './workerPool';
