import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { IdempotencyConflictError, InvalidJobRequestError, QueueStorageError } from './errors';
import type { Clock, Job, JobRequest } from './job';
import { canonicalJsonText, digestOf } from './jsonText';
import { JOB_COLUMNS, jobOf, type JobRow } from './rows';

/** The most requests one batch may hold: one transaction, one answer. */
export const MAX_BATCH_SIZE = 100;

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface SubmitOptions {
  /**
   * The client's Idempotency-Key. The same key with the same body answers the jobs it first created; with
   * another body it is refused. Keys are global to the queue: the caller scopes them (by principal, say).
   */
  readonly idempotencyKey?: string;
}

export interface SubmitResult {
  /** One job per request, in the order of the requests. */
  readonly jobs: readonly Job[];
  /** True when nothing new was stored: every job was accepted by an earlier call. */
  readonly replayed: boolean;
}

interface Prepared {
  readonly id: string;
  /** The id the client gave, if it gave one. */
  readonly chosenId: string | undefined;
  readonly payloadText: string;
}

type SubmitFn = (
  requests: readonly JobRequest[],
  kind: 'single' | 'batch',
  options: SubmitOptions,
) => SubmitResult;

/** Stores requests all or none, in one IMMEDIATE transaction so that two submitters never interleave. */
export function createSubmitter(db: Database.Database, clock: Clock): SubmitFn {
  const findKey = db.prepare<[string], { body_digest: string; job_ids: string }>(
    'SELECT body_digest, job_ids FROM idempotency WHERE key = ?',
  );
  const findJob = db.prepare<[string], JobRow & { payload: string }>(
    `SELECT ${JOB_COLUMNS}, payload FROM jobs WHERE id = ?`,
  );
  const insertJob = db.prepare<[string, string, number, number]>(
    "INSERT INTO jobs (id, state, payload, created_at, updated_at) VALUES (?, 'queued', ?, ?, ?)",
  );
  const insertKey = db.prepare<[string, string, string, number]>(
    'INSERT INTO idempotency (key, body_digest, job_ids, created_at) VALUES (?, ?, ?, ?)',
  );

  // Jobs are never deleted, so a job named by an idempotency record is there unless the file was tampered with.
  const stored = (id: string): JobRow => {
    const row = findJob.get(id);
    if (row === undefined) throw new QueueStorageError(`job ${id} of an idempotency record is missing`);
    return row;
  };

  const store = db.transaction(
    (prepared: readonly Prepared[], key: string | undefined, bodyDigest: string): SubmitResult => {
      if (key !== undefined) {
        const earlier = findKey.get(key);
        if (earlier !== undefined) {
          if (earlier.body_digest !== bodyDigest) throw new IdempotencyConflictError('idempotency-key');
          const ids = JSON.parse(earlier.job_ids) as string[];
          return { jobs: ids.map((id) => jobOf(stored(id))), replayed: true };
        }
      }
      const now = clock.now();
      let inserted = 0;
      const jobs = prepared.map(({ id, payloadText }) => {
        const existing = findJob.get(id);
        if (existing !== undefined) {
          // Thrown inside the transaction: requests already inserted before this one are rolled back.
          if (existing.payload !== payloadText) throw new IdempotencyConflictError('job-id', id);
          return jobOf(existing);
        }
        insertJob.run(id, payloadText, now, now);
        inserted++;
        return jobOf({
          id,
          state: 'queued',
          attempts: 0,
          result: null,
          error: null,
          created_at: now,
          updated_at: now,
        });
      });
      if (key !== undefined) insertKey.run(key, bodyDigest, JSON.stringify(jobs.map((job) => job.id)), now);
      return { jobs, replayed: inserted === 0 };
    },
  );

  return (requests, kind, options) => {
    const key = options.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new InvalidJobRequestError('an Idempotency-Key is 1 to 255 visible ASCII characters');
    }
    const prepared = prepare(requests);
    // The body a key stands for: kind, the ids the client chose and each payload. Random ids are not part of it.
    const body = `${kind}[${prepared.map((p) => `[${JSON.stringify(p.chosenId ?? null)},${p.payloadText}]`).join(',')}]`;
    return store.immediate(prepared, key, digestOf(body));
  };
}

/** Checks every request before anything is stored, so a bad one is named by its index. */
function prepare(requests: readonly JobRequest[]): Prepared[] {
  if (requests.length === 0 || requests.length > MAX_BATCH_SIZE) {
    throw new InvalidJobRequestError(`a batch holds 1 to ${MAX_BATCH_SIZE} requests, not ${requests.length}`);
  }
  const seen = new Set<string>();
  return requests.map((request, index) => {
    if (request.id !== undefined) {
      if (!JOB_ID.test(request.id)) {
        throw new InvalidJobRequestError(
          'a job id is 1 to 128 letters, digits or . _ : - and starts with a letter or digit',
          index,
        );
      }
      if (seen.has(request.id)) throw new InvalidJobRequestError(`job id ${request.id} appears twice`, index);
      seen.add(request.id);
    }
    const json = canonicalJsonText(request.payload);
    if ('problem' in json)
      throw new InvalidJobRequestError(`${json.problem.replace(/^\$/, 'payload')}`, index);
    return { id: request.id ?? randomUUID(), chosenId: request.id, payloadText: json.text };
  });
}
