import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CA_READY_LINE, type CaStartOptions } from '../../../../src/signing/ca/caStart';

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

export interface CaChild {
  readonly process: ChildProcess;
  readonly url: string;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a CA process and resolves when it printed its ready line. */
export async function startCaChild(options: CaStartOptions, timeoutMs = 30_000): Promise<CaChild> {
  const child = fork(join(__dirname, 'caProcess.ts'), [JSON.stringify(options)], {
    execArgv: ['-r', TS_REGISTER],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, KEYLEDGER_LOG_LEVEL: 'warn' },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`CA ${options.name} not ready in time:\n${output}`)),
      timeoutMs,
    );
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      const ready = CA_READY_LINE.exec(output);
      if (ready?.[2]) {
        clearTimeout(timer);
        resolve(ready[2]);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`CA ${options.name} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return {
    process: child,
    url,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
