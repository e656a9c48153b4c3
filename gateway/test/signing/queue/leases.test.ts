import { LeaseLostError, type SigningQueue } from '../../../src/signing/queue';
import { ManualClock, QueueFolder } from './support/queue';

describe('SigningQueue: leases', () => {
  let folder: QueueFolder;
  let clock: ManualClock;
  let queue: SigningQueue;

  beforeEach(() => {
    folder = new QueueFolder();
    clock = new ManualClock();
    queue = folder.open({ clock, leaseMs: 1_000, maxAttempts: 3 });
  });
  afterEach(() => folder.remove());

  it('holds a job until its lease expires, then lets another worker claim it with a new token', () => {
    const { job } = queue.submit({ payload: 'p' });
    const [first] = queue.claim('w1');
    clock.advance(999);
    expect(queue.claim('w2')).toEqual([]);
    clock.advance(1);
    const [second] = queue.claim('w2');
    expect(second).toMatchObject({ id: job.id, attempt: 2, payload: 'p' });
    expect(second!.leaseToken).not.toBe(first!.leaseToken);
    expect(queue.get(job.id)).toMatchObject({ state: 'signing', attempts: 2 });
  });

  it('refuses the complete of a worker whose lease expired and was re-claimed, and keeps the other result', () => {
    const { job } = queue.submit({ payload: 'p' });
    const [slow] = queue.claim('slow');
    clock.advance(1_000);
    const [fast] = queue.claim('fast');
    queue.complete(job.id, fast!.leaseToken, 'token-from-fast');

    const stale = (): unknown => queue.complete(job.id, slow!.leaseToken, 'token-from-slow');
    expect(stale).toThrow(LeaseLostError);
    expect(stale).toThrow(expect.objectContaining({ jobId: job.id, state: 'done', httpStatus: 409 }));
    expect(queue.get(job.id)).toMatchObject({ state: 'done', result: 'token-from-fast' });
    expect(() => queue.fail(job.id, slow!.leaseToken, { code: 'x', message: 'y' })).toThrow(LeaseLostError);
    expect(queue.get(job.id)).toMatchObject({ state: 'done', result: 'token-from-fast' });
  });

  it('refuses the stale complete also while the new holder is still signing', () => {
    const { job } = queue.submit({ payload: 'p' });
    const [slow] = queue.claim('slow');
    clock.advance(1_500);
    const [fast] = queue.claim('fast');
    expect(() => queue.complete(job.id, slow!.leaseToken, 'late')).toThrow(
      expect.objectContaining({ state: 'signing' }),
    );
    expect(queue.complete(job.id, fast!.leaseToken, 'ok').result).toBe('ok');
  });

  it('refuses a complete after expiry even when no one re-claimed the job (the outcome never depends on sweeps)', () => {
    const { job } = queue.submit({ payload: 'p' });
    const [claimed] = queue.claim('w');
    clock.advance(1_000);
    expect(() => queue.complete(job.id, claimed!.leaseToken, 'late')).toThrow(LeaseLostError);
    expect(queue.get(job.id)).toMatchObject({ state: 'signing', done: false });
    expect(queue.expireLeases()).toBe(1);
    expect(queue.get(job.id).state).toBe('queued');
  });

  it('fails a job whose lease expired maxAttempts times, with an error saying so', () => {
    const { job } = queue.submit({ payload: 'p' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(queue.claim('w').map((c) => c.attempt)).toEqual([attempt]);
      clock.advance(1_000);
    }
    expect(queue.claim('w')).toEqual([]);
    expect(queue.get(job.id)).toMatchObject({
      state: 'failed',
      done: true,
      attempts: 3,
      error: { code: 'lease-expired', message: expect.stringContaining('3 attempts') },
    });
  });

  it('lets a claim ask for its own lease length', () => {
    queue.submit({ payload: 'p' });
    const [claimed] = queue.claim('w', { leaseMs: 50 });
    expect(claimed!.leaseExpiresAt).toBe(clock.now() + 50);
    clock.advance(50);
    expect(queue.claim('w2').map((c) => c.attempt)).toEqual([2]);
  });

  it('refuses a claim of no jobs, too many, or a lease of no time', () => {
    expect(() => queue.claim('w', { limit: 0 })).toThrow(RangeError);
    expect(() => queue.claim('w', { limit: 1001 })).toThrow(RangeError);
    expect(() => queue.claim('w', { leaseMs: 0 })).toThrow(RangeError);
  });

  it('never lets two connections on one file claim the same job', () => {
    const other = folder.open({ clock, leaseMs: 1_000 });
    queue.submitBatch(Array.from({ length: 100 }, (_, i) => ({ payload: i })));
    const seen = new Set<string>();
    for (let round = 0; round < 30; round++) {
      for (const claimed of [...queue.claim('a', { limit: 3 }), ...other.claim('b', { limit: 2 })]) {
        expect(seen.has(claimed.id)).toBe(false);
        seen.add(claimed.id);
      }
    }
    expect(seen.size).toBe(100);
  });
});
