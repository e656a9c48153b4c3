import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { QueueWorkersStats } from '../../../../src/signing/queue';
import type { WorkerArgs, WorkerMessage } from './worker';

const TS_REGISTER = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  '..',
  'network',
  'devnet',
  'test',
  'devnet',
  'ts-register.js',
);

/** A worker process started from TypeScript source, and how it ended. */
export interface WorkerChild {
  readonly process: ChildProcess;
  /** Its counts at the end, or undefined when it was killed first; rejects if it reported an error. */
  readonly ended: Promise<QueueWorkersStats | undefined>;
  /** Calls `listener` with every progress report. */
  onProgress(listener: (stats: QueueWorkersStats) => void): void;
}

export function startWorkerChild(args: WorkerArgs): WorkerChild {
  const child = fork(join(__dirname, 'worker.ts'), [JSON.stringify(args)], {
    execArgv: ['-r', TS_REGISTER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const listeners: ((stats: QueueWorkersStats) => void)[] = [];
  const ended = new Promise<QueueWorkersStats | undefined>((resolve, reject) => {
    let finished: QueueWorkersStats | undefined;
    let failure: string | undefined;
    child.on('message', (message: WorkerMessage) => {
      if ('progress' in message) for (const listener of listeners) listener(message.progress);
      if ('finished' in message) finished = message.finished;
      if ('error' in message) failure = message.error;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (failure !== undefined) reject(new Error(`worker ${args.name} failed: ${failure}`));
      else if (signal === null && code !== 0) reject(new Error(`worker ${args.name} exited with ${code}`));
      else resolve(finished);
    });
  });
  return { process: child, ended, onProgress: (listener) => listeners.push(listener) };
}
