import type { Job, JobError, JobState, JsonValue } from './job';

/** A `jobs` row as better-sqlite3 returns it (the columns a status needs). */
export interface JobRow {
  readonly id: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly result: string | null;
  readonly error: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export const JOB_COLUMNS = 'id, state, attempts, result, error, created_at, updated_at';

/** The status of a stored job. `error` is the last failure, shown only once the job has failed for good. */
export function jobOf(row: JobRow): Job {
  const done = row.state === 'done' || row.state === 'failed';
  return {
    id: row.id,
    state: row.state,
    done,
    ...(row.state === 'done' && row.result !== null ? { result: JSON.parse(row.result) as JsonValue } : {}),
    ...(row.state === 'failed' && row.error !== null ? { error: JSON.parse(row.error) as JobError } : {}),
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
