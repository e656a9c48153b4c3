import type { JsonValue, SigningQueue } from '../../../src/signing/queue';
import { startQueueWorkers } from '../../../src/signing/queue';
import { startWorkerChild } from './support/children';
import { QueueFolder } from './support/queue';

interface Signed {
  readonly by: string;
  readonly attempt: number;
  readonly payload: JsonValue;
}

/** Every job, by id, as the database holds it (read with a queue of the test's own). */
function allJobs(queue: SigningQueue, count: number): Map<string, ReturnType<SigningQueue['get']>> {
  return new Map(Array.from({ length: count }, (_, i) => [`job-${i}`, queue.get(`job-${i}`)]));
}

function submitAll(queue: SigningQueue, count: number): void {
  for (let start = 0; start < count; start += 100) {
    const size = Math.min(100, count - start);
    queue.submitBatch(
      Array.from({ length: size }, (_, i) => ({ id: `job-${start + i}`, payload: { n: start + i } })),
    );
  }
}

describe('SigningQueue: worker processes on one file', () => {
  let folder: QueueFolder;

  beforeEach(() => {
    folder = new QueueFolder();
  });
  afterEach(() => folder.remove());

  it('two processes drain 2,000 jobs together: each job done exactly once, with its own payload', async () => {
    const count = 2_000;
    const queue = folder.open();
    submitAll(queue, count);

    const workers = ['p1', 'p2'].map((name) =>
      startWorkerChild({ dataDir: folder.dir, name, leaseMs: 30_000, claimBatch: 10, handlerMs: 1 }),
    );
    const finished = await Promise.all(workers.map((w) => w.ended));

    // Every accepted complete is counted by the process that made it: exactly one per job in all.
    expect(finished.every((stats) => stats !== undefined)).toBe(true);
    expect(finished.reduce((sum, stats) => sum + stats!.completed, 0)).toBe(count);
    expect(finished.reduce((sum, stats) => sum + stats!.leaseLost + stats!.failed, 0)).toBe(0);
    for (const [id, job] of allJobs(queue, count)) {
      const result = job.result as unknown as Signed;
      expect({ id, state: job.state, attempts: job.attempts, payload: result.payload }).toEqual({
        id,
        state: 'done',
        attempts: 1,
        payload: { n: Number(id.slice(4)) },
      });
      expect(['p1', 'p2']).toContain(result.by);
    }
    expect(queue.stats().byState).toEqual({ queued: 0, signing: 0, done: count, failed: 0 });
  });

  it('waits for jobs another process finishes end as each is done (one poll for all waiters)', async () => {
    const count = 1_000;
    const queue = folder.open({ pollMs: 20 });
    submitAll(queue, count);
    const waits = Array.from({ length: count }, (_, i) => queue.waitFor(`job-${i}`, { timeoutMs: 60_000 }));
    const worker = startWorkerChild({
      dataDir: folder.dir,
      name: 'p1',
      leaseMs: 30_000,
      claimBatch: 25,
      handlerMs: 1,
    });
    const jobs = await Promise.all(waits);
    await worker.ended;
    expect(jobs.map((job) => job.state)).toEqual(Array.from({ length: count }, () => 'done'));
    // Finishing is numbered: each job once, in the order they ended.
    const order = jobs.map((job) => job.id);
    expect(new Set(order).size).toBe(count);
  });

  it('after kill -9 of a worker mid-queue a new worker finishes: none lost, none done twice', async () => {
    const count = 400;
    const leaseMs = 1_000;
    const queue = folder.open({ leaseMs });
    submitAll(queue, count);

    const doomed = startWorkerChild({
      dataDir: folder.dir,
      name: 'doomed',
      leaseMs,
      claimBatch: 5,
      handlerMs: 2,
    });
    doomed.onProgress((stats) => {
      if (stats.completed >= 100) doomed.process.kill('SIGKILL');
    });
    await expect(doomed.ended).resolves.toBeUndefined();
    expect(doomed.process.signalCode).toBe('SIGKILL');

    // What the killed worker left: results already stored must survive unchanged; held jobs must be redone.
    const atKill = allJobs(queue, count);
    const doneAtKill = [...atKill].filter(([, job]) => job.state === 'done');
    const heldAtKill = [...atKill].filter(([, job]) => job.state === 'signing').map(([id]) => id);
    expect(doneAtKill.length).toBeGreaterThanOrEqual(100);
    expect(doneAtKill.length).toBeLessThan(count);

    const rescuer = startQueueWorkers({
      queue,
      name: 'rescuer',
      claimBatch: 5,
      idleMs: 10,
      handler: async (job) => ({ by: 'rescuer', attempt: job.attempt, payload: job.payload }),
    });
    while (queue.stats().byState.done < count) await new Promise((resolve) => setTimeout(resolve, 20));
    await rescuer.stop();

    const after = allJobs(queue, count);
    expect(queue.stats().byState).toEqual({ queued: 0, signing: 0, done: count, failed: 0 });
    expect(rescuer.stats()).toEqual({ completed: count - doneAtKill.length, failed: 0, leaseLost: 0 });
    for (const [id, job] of doneAtKill) expect(after.get(id)).toEqual(job);
    for (const id of heldAtKill) {
      expect(after.get(id)).toMatchObject({
        state: 'done',
        attempts: 2,
        result: { by: 'rescuer', attempt: 2 },
      });
    }
    for (const [id, job] of after)
      expect((job.result as unknown as Signed).payload).toEqual({ n: Number(id.slice(4)) });
  });
});
