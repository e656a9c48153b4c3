import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { QueueStorageError } from './errors';

export const QUEUE_FILE_NAME = 'signing-queue.sqlite';

const SCHEMA_VERSION = 2;

/*
 * `seq` orders claims first-in first-out; `id` is the name clients know. A job's result and error are JSON
 * text. `lease_token` and `lease_expires_at` are set exactly while the job is `signing`. An idempotency record
 * keeps the digest of the body first submitted under its key and the ids of the jobs that body created.
 * `finished_seq` numbers jobs as they end (done or failed), so that a process waiting for jobs another process
 * finishes reads only what ended since it last looked (schema 2).
 */
const SCHEMA = `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'signing', 'done', 'failed')),
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_expires_at INTEGER,
    worker TEXT,
    result TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_by_state ON jobs (state, seq);
  CREATE INDEX jobs_by_lease ON jobs (lease_expires_at) WHERE state = 'signing';
  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    body_digest TEXT NOT NULL,
    job_ids TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/** Schema 1 → 2: the finishing order. Jobs that ended before have none (no waiter can still be waiting for them). */
const FINISHED_SEQ = `
  ALTER TABLE jobs ADD COLUMN finished_seq INTEGER;
  CREATE INDEX jobs_by_finish ON jobs (finished_seq);
`;

/** The next finishing number, for an UPDATE that ends jobs (all rows of one statement share it). */
export const NEXT_FINISHED_SEQ = '(SELECT coalesce(max(finished_seq), 0) + 1 FROM jobs)';

export interface QueueDatabaseOptions {
  readonly dataDir: string;
  readonly busyTimeoutMs: number;
  readonly durability: 'full' | 'normal';
}

/**
 * Opens (creating on first use) the queue's database in `dataDir`, in WAL mode so that readers never wait for
 * the writer. Other connections — in this process or another — may have the same file open.
 */
export function openQueueDatabase(options: QueueDatabaseOptions): Database.Database {
  return storage('open the signing queue database', () => {
    mkdirSync(options.dataDir, { recursive: true });
    // `timeout` is SQLite's busy_timeout: how long a statement waits for another connection's write lock.
    const db = new Database(join(options.dataDir, QUEUE_FILE_NAME), { timeout: options.busyTimeoutMs });
    try {
      const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new QueueStorageError(`the queue database refused WAL mode (it is ${String(mode)})`);
      // FULL syncs the WAL at every commit: an accepted request survives a power cut, not only a crash.
      db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function migrate(db: Database.Database): void {
  // IMMEDIATE: two processes opening a new file at once must not both create the tables.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION || version < 0) {
      throw new QueueStorageError(
        `the queue database has schema ${version}; this gateway knows ${SCHEMA_VERSION}`,
      );
    }
    if (version === 0) db.exec(SCHEMA);
    db.exec(FINISHED_SEQ);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Runs a database step, turning better-sqlite3's SqliteError into a QueueStorageError that says what failed. */
export function storage<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      throw new QueueStorageError(`could not ${what}: ${error.code}`, {
        sqliteCode: error.code,
        cause: error,
      });
    }
    throw error;
  }
}
