import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The built `keyledger` command, from gateway/dist/stack or (in tests) gateway/src/stack alike. */
export const KEYLEDGER_BIN = resolve(__dirname, '../../dist/cli/keyledger.js');

export interface KeyledgerProcessSpec {
  /** What it is, for messages: "provider kp1", "ca ca1". */
  readonly what: string;
  /** The arguments after `keyledger`. */
  readonly args: readonly string[];
  /** The line it prints once it serves; its second group is the URL. */
  readonly ready: RegExp;
  /** Where its stdout and stderr go (appended). */
  readonly logFile: string;
  /** Longest wait for the ready line (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/** A `keyledger` service running as a process of its own. */
export interface KeyledgerProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Stops it with SIGTERM (its graceful stop) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL: a crash) and waits for it to exit. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolvePromise) => child.once('exit', () => resolvePromise()));
}

/**
 * Starts `keyledger <args>` and resolves once it printed its ready line, or rejects with the end of its output
 * when it exits or takes too long.
 */
export async function spawnKeyledger(spec: KeyledgerProcessSpec): Promise<KeyledgerProcess> {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [KEYLEDGER_BIN, ...spec.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYLEDGER_LOG_LEVEL: process.env['KEYLEDGER_LOG_LEVEL'] ?? 'info' },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    log.write(chunk);
    if (output.length < 64 * 1024) {
      output += chunk.toString('utf8');
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.once('exit', () => log.end());
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.what} was not ready in time; its output:\n${output.slice(-4000)}`));
    }, spec.readyTimeoutMs ?? 60_000);
    const onData = (): void => {
      const match = spec.ready.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolvePromise(match[2] as string);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(
        new Error(
          `${spec.what} exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${output.slice(-4000)}`,
        ),
      );
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    url,
    pid: child.pid as number,
    child,
    logFile: spec.logFile,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
