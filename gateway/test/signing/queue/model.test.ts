import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  IdempotencyConflictError,
  LeaseLostError,
  SigningQueue,
  type Job,
  type JobState,
} from '../../../src/signing/queue';
import { ManualClock, QueueFolder } from './support/queue';

/*
 * Random interleavings of submit, claim, complete, fail, clock steps and sweeps against a model of a few lines
 * per rule. After every step each job's status must equal the model's; completes and fails through leases that
 * the model says are lost must be refused. Fixed seed: a failure reproduces.
 */

const MAX_ATTEMPTS = 2;

interface ModelJob {
  state: JobState;
  attempts: number;
  payload: number;
  chosenId: string | undefined;
  /** Index in `leases` of the claim holding the job, while signing. */
  lease?: number;
  expiresAt?: number;
  result?: string;
  error?: { code: string; message: string };
}

interface Model {
  now: number;
  readonly jobs: Map<string, ModelJob>;
  readonly keys: Map<string, { body: string; ids: string[] }>;
  /** Every lease ever handed out, in order, so that commands can reuse stale ones. */
  readonly leases: { jobId: string }[];
}

interface Real {
  readonly queue: SigningQueue;
  readonly clock: ManualClock;
  readonly tokens: string[];
}

type Command = fc.Command<Model, Real>;

function sweep(model: Model): void {
  for (const job of model.jobs.values()) {
    if (job.state === 'signing' && job.expiresAt! <= model.now) {
      if (job.attempts >= MAX_ATTEMPTS) {
        job.state = 'failed';
        job.error = {
          code: 'lease-expired',
          message: `no worker finished the job within its lease in 2 attempts`,
        };
      } else {
        job.state = 'queued';
      }
      delete job.lease;
      delete job.expiresAt;
    }
  }
}

function view(id: string, job: ModelJob): Partial<Job> {
  const done = job.state === 'done' || job.state === 'failed';
  return {
    id,
    state: job.state,
    done,
    attempts: job.attempts,
    ...(job.state === 'done' ? { result: job.result! } : {}),
    ...(job.state === 'failed' ? { error: job.error! } : {}),
  };
}

function agree(model: Model, real: Real): void {
  for (const [id, job] of model.jobs) {
    expect(real.queue.get(id)).toEqual({
      ...view(id, job),
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
  }
  const counted = real.queue.stats().byState;
  expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(model.jobs.size);
}

const live = (model: Model, index: number): ModelJob | undefined => {
  const job = model.jobs.get(model.leases[index]!.jobId)!;
  return job.state === 'signing' && job.lease === index && model.now < job.expiresAt! ? job : undefined;
};

class Submit implements Command {
  constructor(
    readonly id: string | undefined,
    readonly payload: number,
    readonly key: string | undefined,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const body = JSON.stringify([this.id ?? null, this.payload]);
    const earlier = this.key === undefined ? undefined : model.keys.get(this.key);
    const existing = this.id === undefined ? undefined : model.jobs.get(this.id);
    const submit = (): ReturnType<SigningQueue['submit']> =>
      real.queue.submit(
        { payload: this.payload, ...(this.id ? { id: this.id } : {}) },
        {
          ...(this.key ? { idempotencyKey: this.key } : {}),
        },
      );
    if (earlier !== undefined) {
      if (earlier.body !== body) {
        expect(submit).toThrow(IdempotencyConflictError);
      } else {
        expect(submit()).toMatchObject({ job: { id: earlier.ids[0] }, replayed: true });
      }
    } else if (existing !== undefined && existing.payload !== this.payload) {
      expect(submit).toThrow(IdempotencyConflictError);
    } else {
      const { job, replayed } = submit();
      expect(replayed).toBe(existing !== undefined);
      if (this.id !== undefined) expect(job.id).toBe(this.id);
      if (existing === undefined) {
        expect(model.jobs.has(job.id)).toBe(false);
        model.jobs.set(job.id, { state: 'queued', attempts: 0, payload: this.payload, chosenId: this.id });
      }
      if (this.key !== undefined) model.keys.set(this.key, { body, ids: [job.id] });
    }
    agree(model, real);
  }
  toString = (): string => `submit(${this.id ?? '-'}, ${this.payload}, ${this.key ?? '-'})`;
}

class Claim implements Command {
  constructor(
    readonly limit: number,
    readonly leaseMs: number,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    sweep(model);
    const taken = [...model.jobs].filter(([, job]) => job.state === 'queued').slice(0, this.limit);
    const claimed = real.queue.claim('w', { limit: this.limit, leaseMs: this.leaseMs });
    expect(claimed.map((c) => [c.id, c.attempt, c.payload])).toEqual(
      taken.map(([id, job]) => [id, job.attempts + 1, job.payload]),
    );
    for (const [id, job] of taken) {
      job.state = 'signing';
      job.attempts++;
      job.lease = model.leases.length;
      job.expiresAt = model.now + this.leaseMs;
      model.leases.push({ jobId: id });
    }
    real.tokens.push(...claimed.map((c) => c.leaseToken));
    agree(model, real);
  }
  toString = (): string => `claim(${this.limit}, ${this.leaseMs} ms)`;
}

class Complete implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.leases.length > 0;
  run(model: Model, real: Real): void {
    const index = this.pick % model.leases.length;
    const { jobId } = model.leases[index]!;
    const job = live(model, index);
    const complete = (): Job => real.queue.complete(jobId, real.tokens[index]!, `token-${index}`);
    if (job === undefined) {
      expect(complete).toThrow(LeaseLostError);
    } else {
      complete();
      Object.assign(job, { state: 'done', result: `token-${index}` });
      delete job.lease;
      delete job.expiresAt;
    }
    agree(model, real);
  }
  toString = (): string => `complete(lease #${this.pick})`;
}

class Fail implements Command {
  constructor(
    readonly pick: number,
    readonly retryable: boolean,
  ) {}
  check = (model: Readonly<Model>): boolean => model.leases.length > 0;
  run(model: Model, real: Real): void {
    const index = this.pick % model.leases.length;
    const { jobId } = model.leases[index]!;
    const job = live(model, index);
    const error = { code: 'hsm', message: `attempt ${index}` };
    const fail = (): Job => real.queue.fail(jobId, real.tokens[index]!, error, { retryable: this.retryable });
    if (job === undefined) {
      expect(fail).toThrow(LeaseLostError);
    } else {
      fail();
      job.state = this.retryable && job.attempts < MAX_ATTEMPTS ? 'queued' : 'failed';
      job.error = error;
      delete job.lease;
      delete job.expiresAt;
    }
    agree(model, real);
  }
  toString = (): string => `fail(lease #${this.pick}, retryable ${this.retryable})`;
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    model.now += this.ms;
    real.clock.advance(this.ms);
    agree(model, real);
  }
  toString = (): string => `advance(${this.ms} ms)`;
}

class Expire implements Command {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const before = [...model.jobs.values()].filter(
      (j) => j.state === 'signing' && j.expiresAt! <= model.now,
    ).length;
    sweep(model);
    expect(real.queue.expireLeases()).toBe(before);
    agree(model, real);
  }
  toString = (): string => 'expireLeases()';
}

describe('SigningQueue against a model', () => {
  let folder: QueueFolder;

  beforeAll(() => {
    folder = new QueueFolder();
  });
  afterAll(() => folder.remove());

  it('agrees with the model on every interleaving of submit, claim, complete, fail and expiry', () => {
    const ids = fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined });
    const keys = fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined });
    const commands = [
      fc.tuple(ids, fc.constantFrom(1, 2), keys).map(([id, payload, key]) => new Submit(id, payload, key)),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(10, 30)).map(([l, ms]) => new Claim(l, ms)),
      fc.nat(50).map((pick) => new Complete(pick)),
      fc.tuple(fc.nat(50), fc.boolean()).map(([pick, retryable]) => new Fail(pick, retryable)),
      fc.integer({ min: 1, max: 25 }).map((ms) => new Advance(ms)),
      fc.constant(new Expire()),
    ];
    let run = 0;
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
        const dataDir = join(folder.dir, `run-${run++}`);
        mkdirSync(dataDir);
        const clock = new ManualClock(0);
        const queue = SigningQueue.open({ dataDir, clock, maxAttempts: MAX_ATTEMPTS, durability: 'normal' });
        try {
          const model: Model = { now: 0, jobs: new Map(), keys: new Map(), leases: [] };
          fc.modelRun(() => ({ model, real: { queue, clock, tokens: [] } }), cmds);
        } finally {
          queue.close();
        }
      }),
      { seed: 20_240_612, numRuns: 150 },
    );
  });
});
