/*
 * Signing request queue benchmark: prints figures, asserts nothing. Run from the repository root:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/signingQueue.bench.ts [--quick]
 * Jobs per second from the first submit to the last result stored: batches of 100 submitted, then claimed in
 * batches and completed in batches by a pool of 1 and of 4 workers in this process (a no-op signer, so the
 * figure is the queue's own cost). Baseline, in the same run and on the same kind of file: raw better-sqlite3
 * doing the same transactions with none of the queue's checks (insert the batch; mark a batch taken; store
 * a batch of results). Both with synchronous=FULL (the queue's default) and NORMAL. Goal: ≥ 5,000 jobs/s.
 * Data lives in a temporary directory, removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SigningQueue, startQueueWorkers } from '../../gateway/src/signing/queue';

const QUICK = process.argv.includes('--quick');
const JOBS = QUICK ? 5_000 : 20_000;
const SUBMIT_BATCH = 100;
const CLAIM_BATCH = 50;

type Durability = 'full' | 'normal';

interface Figure {
  readonly jobsPerSecond: number;
  readonly submitPerSecond: number;
}

const payloadOf = (n: number): { sub: string; aud: string; n: number } => ({
  sub: `user-${n}`,
  aud: 'api',
  n,
});

/** Raw better-sqlite3: the same transactions as the queue makes, with nothing checked. */
function baseline(dir: string, durability: Durability): Figure {
  const db = new Database(join(dir, `raw-${durability}.sqlite`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.exec(
      'CREATE TABLE jobs (seq INTEGER PRIMARY KEY, state TEXT NOT NULL, payload TEXT NOT NULL, result TEXT)',
    );
    const insert = db.prepare("INSERT INTO jobs (state, payload) VALUES ('queued', ?)");
    const take = db.prepare<[number], { seq: number; payload: string }>(
      "UPDATE jobs SET state = 'signing' WHERE seq IN (SELECT seq FROM jobs WHERE state = 'queued' LIMIT ?) RETURNING seq, payload",
    );
    const finish = db.prepare("UPDATE jobs SET state = 'done', result = ? WHERE seq = ?");
    const submitBatch = db.transaction((first: number) => {
      for (let n = first; n < first + SUBMIT_BATCH; n++) insert.run(JSON.stringify(payloadOf(n)));
    });
    const claimBatch = db.transaction(() => take.all(CLAIM_BATCH));
    const completeBatch = db.transaction((rows: { seq: number; payload: string }[]) => {
      for (const row of rows) finish.run(`signed:${row.payload.length}`, row.seq);
    });

    const began = performance.now();
    for (let n = 0; n < JOBS; n += SUBMIT_BATCH) submitBatch.immediate(n);
    const submitted = performance.now();
    for (let rows = claimBatch.immediate(); rows.length > 0; rows = claimBatch.immediate())
      completeBatch.immediate(rows);
    const ended = performance.now();
    return {
      jobsPerSecond: JOBS / ((ended - began) / 1000),
      submitPerSecond: JOBS / ((submitted - began) / 1000),
    };
  } finally {
    db.close();
  }
}

async function throughQueue(dir: string, durability: Durability, workers: number): Promise<Figure> {
  const queue = SigningQueue.open({ dataDir: join(dir, `queue-${durability}-${workers}`), durability });
  try {
    const began = performance.now();
    for (let n = 0; n < JOBS; n += SUBMIT_BATCH) {
      queue.submitBatch(Array.from({ length: SUBMIT_BATCH }, (_, i) => ({ payload: payloadOf(n + i) })));
    }
    const submitted = performance.now();
    let pool: ReturnType<typeof startQueueWorkers> | undefined;
    await new Promise<void>((resolve) => {
      let stored = 0;
      pool = startQueueWorkers({
        queue,
        workers,
        claimBatch: CLAIM_BATCH,
        idleMs: 1,
        handler: async (job) => {
          stored++;
          if (stored === JOBS) setImmediate(resolve);
          return `signed:${job.id}`;
        },
      });
    });
    await pool?.stop();
    const ended = performance.now();
    const { byState } = queue.stats();
    if (byState.done !== JOBS) throw new Error(`only ${byState.done} of ${JOBS} jobs done`);
    return {
      jobsPerSecond: JOBS / ((ended - began) / 1000),
      submitPerSecond: JOBS / ((submitted - began) / 1000),
    };
  } finally {
    queue.close();
  }
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(8);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-bench-signing-queue-'));
  try {
    console.log(
      `signing queue: ${JOBS.toLocaleString('en-US')} jobs, submitted ${SUBMIT_BATCH} per batch, ` +
        `claimed and completed ${CLAIM_BATCH} per batch (jobs/s, submit + claim + complete)`,
    );
    for (const durability of ['full', 'normal'] as const) {
      const raw = baseline(dir, durability);
      const one = await throughQueue(dir, durability, 1);
      const four = await throughQueue(dir, durability, 4);
      const label = `synchronous=${durability.toUpperCase()}`.padEnd(20);
      console.log(
        `  ${label} queue 1 worker ${rate(one.jobsPerSecond)} /s   4 workers ${rate(four.jobsPerSecond)} /s` +
          `   raw better-sqlite3 ${rate(raw.jobsPerSecond)} /s`,
      );
      console.log(
        `  ${''.padEnd(20)} submit alone: queue ${rate(one.submitPerSecond)} /s   raw ${rate(raw.submitPerSecond)} /s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
