import {
  IdempotencyConflictError,
  InvalidJobRequestError,
  MAX_BATCH_SIZE,
  type JobRequest,
  type SigningQueue,
} from '../../../src/signing/queue';
import { ManualClock, QueueFolder } from './support/queue';

const batchOf = (n: number, prefix = 'r'): JobRequest[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, payload: { sub: `user-${i}`, n: i } }));

describe('SigningQueue: idempotency and batches', () => {
  let folder: QueueFolder;
  let queue: SigningQueue;

  beforeEach(() => {
    folder = new QueueFolder();
    queue = folder.open({ clock: new ManualClock() });
  });
  afterEach(() => folder.remove());

  it('answers the same job for the same Idempotency-Key and body, whatever the order of its members', () => {
    const first = queue.submit({ payload: { sub: 'alice', aud: 'api' } }, { idempotencyKey: 'k-1' });
    const again = queue.submit({ payload: { aud: 'api', sub: 'alice' } }, { idempotencyKey: 'k-1' });
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ job: first.job, replayed: true });
    expect(queue.stats().depth).toBe(1);
  });

  it('answers the job in its current state on a replay', () => {
    const { job } = queue.submit({ payload: 1 }, { idempotencyKey: 'k' });
    const [claimed] = queue.claim('w');
    queue.complete(job.id, claimed!.leaseToken, 'token');
    expect(queue.submit({ payload: 1 }, { idempotencyKey: 'k' }).job).toMatchObject({
      id: job.id,
      state: 'done',
      result: 'token',
    });
  });

  it('refuses the same Idempotency-Key with another body, storing nothing', () => {
    queue.submit({ payload: { sub: 'alice' } }, { idempotencyKey: 'k-1' });
    const other = (): unknown => queue.submit({ payload: { sub: 'mallory' } }, { idempotencyKey: 'k-1' });
    expect(other).toThrow(IdempotencyConflictError);
    expect(other).toThrow(expect.objectContaining({ reason: 'idempotency-key', httpStatus: 422 }));
    // A single request and a batch of that one request are different bodies: they answer differently.
    expect(() => queue.submitBatch([{ payload: { sub: 'alice' } }], { idempotencyKey: 'k-1' })).toThrow(
      IdempotencyConflictError,
    );
    expect(queue.stats().depth).toBe(1);
  });

  it('answers the same job for the same job id and payload, and refuses the id with another payload', () => {
    const first = queue.submit({ id: 'req-7', payload: { sub: 'alice' } });
    expect(queue.submit({ id: 'req-7', payload: { sub: 'alice' } })).toEqual({
      job: first.job,
      replayed: true,
    });
    expect(() => queue.submit({ id: 'req-7', payload: { sub: 'bob' } })).toThrow(
      expect.objectContaining({ reason: 'job-id', httpStatus: 409 }),
    );
    expect(queue.stats().depth).toBe(1);
  });

  it('answers the same jobs for a replayed batch, with random ids', () => {
    const requests = Array.from({ length: 3 }, (_, i) => ({ payload: { n: i } }));
    const first = queue.submitBatch(requests, { idempotencyKey: 'batch-1' });
    const again = queue.submitBatch(requests, { idempotencyKey: 'batch-1' });
    expect(again.replayed).toBe(true);
    expect(again.jobs.map((j) => j.id)).toEqual(first.jobs.map((j) => j.id));
    expect(new Set(first.jobs.map((j) => j.id)).size).toBe(3);
    expect(queue.stats().depth).toBe(3);
  });

  it(`stores a batch of ${MAX_BATCH_SIZE} in one call, in order`, () => {
    const { jobs, replayed } = queue.submitBatch(batchOf(MAX_BATCH_SIZE));
    expect(replayed).toBe(false);
    expect(jobs.map((j) => j.id)).toEqual(batchOf(MAX_BATCH_SIZE).map((r) => r.id));
    expect(queue.claim('w', { limit: 1000 }).map((c) => c.payload)).toEqual(
      batchOf(MAX_BATCH_SIZE).map((r) => r.payload),
    );
  });

  it('refuses an empty batch and one over the limit', () => {
    expect(() => queue.submitBatch([])).toThrow(InvalidJobRequestError);
    expect(() => queue.submitBatch(batchOf(MAX_BATCH_SIZE + 1))).toThrow(/1 to 100 requests, not 101/);
    expect(queue.stats().depth).toBe(0);
  });

  it.each<[string, (batch: JobRequest[]) => void, RegExp]>([
    [
      'a payload that is not JSON',
      (b) => (b[57] = { payload: { exp: Number.POSITIVE_INFINITY } }),
      /payload\.exp is Infinity/,
    ],
    [
      'an undefined member',
      (b) => (b[57] = { payload: { sub: undefined } as never }),
      /payload\.sub is a undefined/,
    ],
    [
      'a class instance',
      (b) => (b[57] = { payload: { at: new Date(0) } as never }),
      /payload\.at is not a plain object/,
    ],
    ['a malformed id', (b) => (b[57] = { id: 'has space', payload: 1 }), /a job id is/],
    ['an id given twice', (b) => (b[57] = { id: 'r3', payload: 3 }), /job id r3 appears twice/],
  ])('refuses a batch with %s at index 57, storing none of it', (_name, spoil, message) => {
    const batch = batchOf(MAX_BATCH_SIZE);
    spoil(batch);
    expect(() => queue.submitBatch(batch)).toThrow(message);
    expect(() => queue.submitBatch(batch)).toThrow(expect.objectContaining({ index: 57 }));
    expect(queue.stats().byState.queued).toBe(0);
  });

  it('rolls the whole batch back when its 58th request conflicts with a stored job', () => {
    queue.submit({ id: 'taken', payload: 'first' });
    const batch = batchOf(MAX_BATCH_SIZE);
    batch[57] = { id: 'taken', payload: 'second' };
    expect(() => queue.submitBatch(batch, { idempotencyKey: 'b' })).toThrow(IdempotencyConflictError);
    expect(queue.stats().depth).toBe(1);
    expect(() => queue.get('r0')).toThrow();
    // Nor was the key remembered: the client may resend the batch corrected under the same key.
    batch[57] = { id: 'taken', payload: 'first' };
    const { jobs, replayed } = queue.submitBatch(batch, { idempotencyKey: 'b' });
    expect(replayed).toBe(false);
    expect(jobs).toHaveLength(MAX_BATCH_SIZE);
    expect(queue.stats().depth).toBe(MAX_BATCH_SIZE);
  });

  it('refuses a malformed Idempotency-Key', () => {
    expect(() => queue.submit({ payload: 1 }, { idempotencyKey: '' })).toThrow(InvalidJobRequestError);
    expect(() => queue.submit({ payload: 1 }, { idempotencyKey: 'a b' })).toThrow(InvalidJobRequestError);
    expect(() => queue.submit({ payload: 1 }, { idempotencyKey: 'x'.repeat(256) })).toThrow(
      InvalidJobRequestError,
    );
  });

  it('keeps idempotency across a reopen: a key seen before a restart answers its jobs after it', () => {
    const { job } = queue.submit({ payload: 'p' }, { idempotencyKey: 'durable' });
    queue.close();
    const reopened = folder.open();
    expect(reopened.submit({ payload: 'p' }, { idempotencyKey: 'durable' }).job.id).toBe(job.id);
    expect(() => reopened.submit({ payload: 'q' }, { idempotencyKey: 'durable' })).toThrow(
      IdempotencyConflictError,
    );
  });
});
