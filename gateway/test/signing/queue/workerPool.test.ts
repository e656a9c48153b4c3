import { JobFailure, startQueueWorkers, type Job, type JsonValue } from '../../../src/signing/queue';
import { QueueFolder } from './support/queue';

describe('startQueueWorkers', () => {
  let folder: QueueFolder;
  beforeEach(() => {
    folder = new QueueFolder();
  });
  afterEach(() => folder.remove());

  it('hands a batch handler each claimed batch; a JobFailure fails its own job only', async () => {
    const queue = folder.open();
    const { jobs } = queue.submitBatch(Array.from({ length: 30 }, (_, n) => ({ payload: { n } })));
    const sizes: number[] = [];
    const workers = startQueueWorkers({
      queue,
      claimBatch: 10,
      idleMs: 5,
      batchHandler: (claimed) => {
        sizes.push(claimed.length);
        return Promise.resolve(
          claimed.map((job): JsonValue | JobFailure => {
            const n = (job.payload as { n: number }).n;
            return n === 7
              ? new JobFailure({ code: 'refused', message: 'seven is refused', retryable: false })
              : { doubled: n * 2 };
          }),
        );
      },
    });
    const done: Job[] = await Promise.all(jobs.map((job) => queue.waitFor(job.id, { timeoutMs: 10_000 })));
    await workers.stop();
    expect(sizes.every((size) => size >= 1 && size <= 10)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
    done.forEach((job, n) => {
      if (n === 7) {
        expect(job).toMatchObject({
          state: 'failed',
          error: { code: 'refused', message: 'seven is refused' },
        });
      } else {
        expect(job).toMatchObject({ state: 'done', result: { doubled: n * 2 } });
      }
    });
    expect(workers.stats()).toMatchObject({ completed: 29, failed: 1, leaseLost: 0 });
  });

  it('an idle worker is woken by a submission in its process, not left to its poll interval', async () => {
    const queue = folder.open();
    const workers = startQueueWorkers({
      queue,
      workers: 2,
      idleMs: 60_000,
      handler: (job) => Promise.resolve({ echoed: job.payload }),
    });
    try {
      // Both workers have found the queue empty and sleep for a minute.
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const payload of [1, 2, 3]) {
        const started = Date.now();
        const { job } = queue.submit({ payload });
        await expect(queue.waitFor(job.id, { timeoutMs: 5_000 })).resolves.toMatchObject({
          state: 'done',
          result: { echoed: payload },
        });
        expect(Date.now() - started).toBeLessThan(5_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const batch = queue.submitBatch([{ payload: 4 }, { payload: 5 }]);
      const done = await Promise.all(batch.jobs.map((job) => queue.waitFor(job.id, { timeoutMs: 5_000 })));
      expect(done.map((job) => job.state)).toEqual(['done', 'done']);
    } finally {
      await workers.stop();
    }
  });

  it('fails (retryably) every job of a batch whose handler throws, without the error text', async () => {
    const queue = folder.open({ maxAttempts: 1 });
    const { jobs } = queue.submitBatch([{ payload: 1 }, { payload: 2 }]);
    const workers = startQueueWorkers({
      queue,
      idleMs: 5,
      batchHandler: () => Promise.reject(new Error('secret key bytes 0xdeadbeef')),
    });
    const done = await Promise.all(jobs.map((job) => queue.waitFor(job.id, { timeoutMs: 10_000 })));
    await workers.stop();
    for (const job of done) {
      expect(job.state).toBe('failed');
      expect(JSON.stringify(job)).not.toContain('deadbeef');
    }
  });

  it('needs a handler or a batch handler', () => {
    expect(() => startQueueWorkers({ queue: folder.open() })).toThrow('needs a handler or a batchHandler');
  });
});
