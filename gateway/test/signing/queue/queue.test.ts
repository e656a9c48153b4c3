import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  JobNotFoundError,
  LeaseLostError,
  QueueClosedError,
  QUEUE_FILE_NAME,
  type SigningQueue,
} from '../../../src/signing/queue';
import { ManualClock, QueueFolder } from './support/queue';

describe('SigningQueue: submit, claim, complete, fail', () => {
  let folder: QueueFolder;
  let clock: ManualClock;
  let queue: SigningQueue;

  beforeEach(() => {
    folder = new QueueFolder();
    clock = new ManualClock();
    queue = folder.open({ clock, leaseMs: 1_000 });
  });
  afterEach(() => folder.remove());

  it('stores a request as queued and answers its status', () => {
    const { job, replayed } = queue.submit({ payload: { sub: 'alice', aud: ['api'], exp: 1.5 } });
    expect(replayed).toBe(false);
    expect(job).toEqual({
      id: expect.any(String),
      state: 'queued',
      done: false,
      attempts: 0,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(queue.get(job.id)).toEqual(job);
  });

  it('hands a job to one claimer with its payload, then stores the result in the same step that marks it done', () => {
    const { job } = queue.submit({ id: 'req-1', payload: { sub: 'alice' } });
    const [claimed, ...more] = queue.claim('w1');
    expect(more).toEqual([]);
    expect(claimed).toMatchObject({ id: 'req-1', payload: { sub: 'alice' }, attempt: 1 });
    expect(claimed!.leaseExpiresAt).toBe(clock.now() + 1_000);
    expect(queue.get(job.id)).toMatchObject({ state: 'signing', done: false, attempts: 1 });
    expect(queue.claim('w2')).toEqual([]);

    clock.advance(10);
    const done = queue.complete(job.id, claimed!.leaseToken, { token: 'eyJ.x.y' });
    expect(done).toMatchObject({ id: 'req-1', state: 'done', done: true, result: { token: 'eyJ.x.y' } });
    expect(done.error).toBeUndefined();
    expect(done.updatedAt).toBe(clock.now());
    expect(queue.claim('w2')).toEqual([]);
  });

  it('claims oldest first, up to the limit, in one call', () => {
    const { jobs } = queue.submitBatch(Array.from({ length: 5 }, (_, i) => ({ id: `j${i}`, payload: i })));
    expect(jobs.map((j) => j.id)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
    expect(queue.claim('w', { limit: 3 }).map((c) => [c.id, c.payload])).toEqual([
      ['j0', 0],
      ['j1', 1],
      ['j2', 2],
    ]);
    expect(queue.claim('w', { limit: 3 }).map((c) => c.id)).toEqual(['j3', 'j4']);
  });

  it('gives every claimed job a lease token of its own', () => {
    queue.submitBatch([{ payload: 1 }, { payload: 2 }]);
    const [a, b] = queue.claim('w', { limit: 2 });
    expect(a!.leaseToken).not.toBe(b!.leaseToken);
    expect(() => queue.complete(a!.id, b!.leaseToken, 'x')).toThrow(LeaseLostError);
    expect(queue.get(a!.id).state).toBe('signing');
  });

  it('fails a job for good with the error the worker gave, shown only once failed', () => {
    const { job } = queue.submit({ payload: {} });
    const [claimed] = queue.claim('w');
    const failed = queue.fail(job.id, claimed!.leaseToken, { code: 'unknown-key', message: 'no key k1' });
    expect(failed).toMatchObject({
      state: 'failed',
      done: true,
      error: { code: 'unknown-key', message: 'no key k1' },
    });
    expect(failed.result).toBeUndefined();
    expect(() => queue.complete(job.id, claimed!.leaseToken, 'late')).toThrow(LeaseLostError);
    expect(queue.get(job.id)).toEqual(failed);
  });

  it('puts a retryable failure back in the queue until maxAttempts, then fails it', () => {
    const { job } = queue.submit({ payload: {} });
    const hsmDown = { code: 'hsm-unavailable', message: 'the HSM did not answer' };
    for (const attempt of [1, 2]) {
      const [claimed] = queue.claim('w');
      expect(claimed!.attempt).toBe(attempt);
      const requeued = queue.fail(job.id, claimed!.leaseToken, hsmDown, { retryable: true });
      expect(requeued).toMatchObject({ state: 'queued', done: false, attempts: attempt });
      expect(requeued.error).toBeUndefined();
    }
    const [last] = queue.claim('w');
    expect(queue.fail(job.id, last!.leaseToken, hsmDown, { retryable: true })).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: hsmDown,
    });
  });

  it('completes a batch job by job: a lost lease is refused, the others are stored', () => {
    queue.submitBatch([
      { id: 'a', payload: 1 },
      { id: 'b', payload: 2 },
    ]);
    const [a, b] = queue.claim('w', { limit: 2 });
    const outcomes = queue.completeBatch([
      { jobId: a!.id, leaseToken: a!.leaseToken, result: 'A' },
      { jobId: b!.id, leaseToken: 'not-the-token', result: 'B' },
      { jobId: 'nope', leaseToken: 'x', result: 'C' },
    ]);
    expect(outcomes.map((o) => [o.jobId, o.completed])).toEqual([
      ['a', true],
      ['b', false],
      ['nope', false],
    ]);
    expect(outcomes[1]!.completed === false && outcomes[1]!.error).toBeInstanceOf(LeaseLostError);
    expect(outcomes[2]!.completed === false && outcomes[2]!.error).toBeInstanceOf(JobNotFoundError);
    expect(queue.get('a')).toMatchObject({ state: 'done', result: 'A' });
    expect(queue.get('b')).toMatchObject({ state: 'signing' });
  });

  it('refuses a result that is not JSON, storing nothing', () => {
    queue.submit({ id: 'a', payload: 1 });
    const [a] = queue.claim('w');
    expect(() => queue.complete('a', a!.leaseToken, { n: Number.NaN })).toThrow(/result\.n is NaN/);
    expect(queue.get('a').state).toBe('signing');
  });

  it('answers JobNotFoundError for an unknown job', () => {
    expect(() => queue.get('missing')).toThrow(JobNotFoundError);
    expect(() => queue.complete('missing', 't', 1)).toThrow(JobNotFoundError);
    expect(() => queue.fail('missing', 't', { code: 'c', message: 'm' })).toThrow(JobNotFoundError);
  });

  it('reports depth, the age of the oldest queued job and counts by state', () => {
    expect(queue.stats()).toEqual({
      depth: 0,
      oldestQueuedAgeMs: undefined,
      byState: { queued: 0, signing: 0, done: 0, failed: 0 },
      expiredLeases: 0,
    });
    queue.submitBatch([{ payload: 1 }, { payload: 2 }]);
    clock.advance(500);
    queue.submitBatch([{ payload: 3 }, { payload: 4 }]);
    const [first, second] = queue.claim('w', { limit: 2 });
    queue.complete(first!.id, first!.leaseToken, 'ok');
    clock.advance(250);
    expect(queue.stats()).toEqual({
      depth: 2,
      oldestQueuedAgeMs: 250,
      byState: { queued: 2, signing: 1, done: 1, failed: 0 },
      expiredLeases: 0,
    });
    clock.advance(1_000);
    expect(queue.stats().expiredLeases).toBe(1);
    expect(second).toBeDefined();
  });

  it('wakes a waiter when this process completes the job', async () => {
    const { job } = queue.submit({ payload: 'x' });
    const waiting = queue.waitFor(job.id, { timeoutMs: 60_000 });
    const [claimed] = queue.claim('w');
    queue.complete(job.id, claimed!.leaseToken, 'signed');
    await expect(waiting).resolves.toMatchObject({ state: 'done', result: 'signed' });
  });

  it('sees by polling a job that another connection completed', async () => {
    const other = folder.open({ clock });
    const { job } = queue.submit({ payload: 'x' });
    const waiting = queue.waitFor(job.id, { timeoutMs: 60_000 });
    const [claimed] = other.claim('w');
    other.complete(job.id, claimed!.leaseToken, 'signed');
    await expect(waiting).resolves.toMatchObject({ state: 'done', result: 'signed' });
  });

  it('answers the job as it is when the wait times out, and fails waits when closed', async () => {
    const { job } = queue.submit({ payload: 'x' });
    await expect(queue.waitFor(job.id, { timeoutMs: 1 })).resolves.toMatchObject({
      state: 'queued',
      done: false,
    });
    await expect(queue.waitFor('missing', { timeoutMs: 1 })).rejects.toThrow(JobNotFoundError);
    const waiting = queue.waitFor(job.id, { timeoutMs: 60_000 });
    queue.close();
    await expect(waiting).rejects.toThrow(QueueClosedError);
    expect(() => queue.stats()).toThrow(QueueClosedError);
  });

  it('keeps everything across a reopen of the file', () => {
    const { job } = queue.submit({ payload: { a: 1 } });
    const [claimed] = queue.claim('w');
    queue.close();
    const reopened = folder.open({ clock, leaseMs: 1_000 });
    expect(reopened.get(job.id)).toMatchObject({ state: 'signing', attempts: 1 });
    expect(reopened.complete(job.id, claimed!.leaseToken, 'ok')).toMatchObject({
      state: 'done',
      result: 'ok',
    });
  });
});

describe('SigningQueue: a database of the first schema', () => {
  it('is upgraded in place: its jobs keep their state, and waits for what ends after work', async () => {
    const folder = new QueueFolder();
    try {
      // Schema 1 as the first release wrote it (no finishing order).
      mkdirSync(folder.dir, { recursive: true });
      const old = new Database(join(folder.dir, QUEUE_FILE_NAME));
      old.pragma('journal_mode = WAL');
      old.exec(`
        CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
          state TEXT NOT NULL CHECK (state IN ('queued', 'signing', 'done', 'failed')), payload TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0, lease_token TEXT, lease_expires_at INTEGER, worker TEXT, result TEXT,
          error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX jobs_by_state ON jobs (state, seq);
        CREATE INDEX jobs_by_lease ON jobs (lease_expires_at) WHERE state = 'signing';
        CREATE TABLE idempotency (key TEXT PRIMARY KEY, body_digest TEXT NOT NULL, job_ids TEXT NOT NULL,
          created_at INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO jobs (id, state, payload, attempts, result, created_at, updated_at)
          VALUES ('old-done', 'done', '{"n":1}', 1, '{"token":"t"}', 1, 2), ('old-queued', 'queued', '{"n":2}', 0, NULL, 1, 1);
        PRAGMA user_version = 1;
      `);
      old.close();
      const queue = folder.open();
      expect(queue.get('old-done')).toMatchObject({ state: 'done', result: { token: 't' } });
      const waiting = queue.waitFor('old-queued', { timeoutMs: 10_000 });
      const [claimed] = queue.claim('w1');
      queue.complete('old-queued', claimed!.leaseToken, { token: 'u' });
      await expect(waiting).resolves.toMatchObject({ state: 'done', result: { token: 'u' } });
      queue.close();
    } finally {
      folder.remove();
    }
  });
});
