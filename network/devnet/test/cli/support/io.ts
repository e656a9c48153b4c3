import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CliIo } from '../../../src/cli/context';

export const REGISTER = path.resolve(__dirname, '..', '..', 'devnet', 'ts-register.js');
export const CLI = path.resolve(__dirname, '..', '..', '..', 'src', 'cli.ts');

/** Output of an in-process CLI run. */
export interface Captured {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function captureIo(cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text) => void (out += text) },
      stderr: { write: (text) => void (err += text) },
      env,
      cwd,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs a TypeScript entry point of the devnet in a child process (no build step). */
export function spawnTs(entry: string, args: readonly string[], cwd?: string): ChildProcess {
  return spawn(process.execPath, ['-r', REGISTER, entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
}

/** Waits for a child to exit; resolves with its code and everything it printed. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves once the child printed `marker` on stdout; rejects if it exits first. */
export function printed(child: ChildProcess, marker: string): Promise<void> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(marker)) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before "${marker}": ${out}`)));
  });
}
