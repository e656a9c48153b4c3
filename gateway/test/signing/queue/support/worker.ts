/**
 * A worker process for the multi-process tests, run from source: `node -r ts-register.js worker.ts <json>`.
 * It drains the queue with a pool whose handler answers `{ by, attempt, payload }` after a short pause, reports
 * its counts to the parent every few milliseconds, and exits once nothing is queued or held (unless killed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SigningQueue, startQueueWorkers, type QueueWorkersStats } from '../../../../src/signing/queue';

export interface WorkerArgs {
  readonly dataDir: string;
  readonly name: string;
  readonly leaseMs: number;
  readonly claimBatch: number;
  readonly handlerMs: number;
}

export type WorkerMessage =
  | { readonly progress: QueueWorkersStats }
  | { readonly finished: QueueWorkersStats }
  | { readonly error: string };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
  const queue = SigningQueue.open({ dataDir: args.dataDir, durability: 'normal', leaseMs: args.leaseMs });
  const pool = startQueueWorkers({
    queue,
    name: args.name,
    claimBatch: args.claimBatch,
    idleMs: 10,
    handler: async (job) => {
      await sleep(args.handlerMs);
      return { by: args.name, attempt: job.attempt, payload: job.payload };
    },
  });
  for (;;) {
    await sleep(5);
    send({ progress: pool.stats() });
    const { depth, byState } = queue.stats();
    if (depth === 0 && byState.signing === 0) break;
  }
  await pool.stop();
  queue.close();
  send({ finished: pool.stats() });
}

main().catch((error: unknown) => {
  send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
});
