import type Database from 'better-sqlite3';
import { JOB_STATES, type Clock, type JobState } from './job';

/** What a /health check reports of the queue. */
export interface QueueStats {
  /** Jobs waiting for a worker. */
  readonly depth: number;
  /** Age of the longest-waiting queued job since it was accepted; undefined when none waits. */
  readonly oldestQueuedAgeMs: number | undefined;
  readonly byState: Readonly<Record<JobState, number>>;
  /** Jobs still `signing` whose lease has run out: the next claim requeues (or fails) them. */
  readonly expiredLeases: number;
}

/** Reads the figures in one read transaction, so they agree with each other. */
export function createStats(db: Database.Database, clock: Clock): () => QueueStats {
  const count = db.prepare<[], { state: JobState; n: number }>(
    'SELECT state, count(*) AS n FROM jobs GROUP BY state',
  );
  const oldest = db.prepare<[], { created_at: number }>(
    "SELECT created_at FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1",
  );
  const expired = db.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM jobs WHERE state = 'signing' AND lease_expires_at <= ?",
  );
  return db.transaction((): QueueStats => {
    const now = clock.now();
    const byState = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const { state, n } of count.all()) byState[state] = n;
    const first = oldest.get();
    return {
      depth: byState.queued,
      oldestQueuedAgeMs: first === undefined ? undefined : Math.max(0, now - first.created_at),
      byState,
      expiredLeases: expired.get(now)?.n ?? 0,
    };
  });
}
