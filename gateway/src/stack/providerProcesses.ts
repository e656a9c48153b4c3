import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FabricConfig } from '../fabric';
import { writeFileAtomic } from '../files';

/** The built `keyledger` command, from gateway/dist/stack or (in tests) gateway/src/stack alike. */
export const KEYLEDGER_BIN = resolve(__dirname, '../../dist/cli/keyledger.js');

export interface ProviderProcessSpec {
  readonly name: string;
  readonly region: string;
  /** Its ledger identity, written to `<dataDir>/identity.json` for the process. */
  readonly fabric: FabricConfig;
  readonly dataDir: string;
  readonly port?: number;
  readonly allowFaultInjection?: boolean;
  /** Where its stdout and stderr go (default `<dataDir>/provider.log`). */
  readonly logFile?: string;
  /** Longest wait for "ready" (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/** A provider running as a process of its own. */
export interface ProviderProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Stops it with SIGTERM (its graceful stop) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL: a crash) and waits for it to exit. */
  kill(): Promise<void>;
}

const READY = /^provider (\S+) ready on (https:\/\/\S+)$/m;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolvePromise) => child.once('exit', () => resolvePromise()));
}

/**
 * Starts `keyledger provider start` for one provider and resolves once it printed that it is ready (registered on
 * the ledger and listening), or rejects with the end of its output when it exits or takes too long.
 */
export async function spawnProvider(spec: ProviderProcessSpec): Promise<ProviderProcess> {
  const dataDir = resolve(spec.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const identityFile = join(dataDir, 'identity.json');
  writeFileAtomic(identityFile, `${JSON.stringify(spec.fabric, null, 2)}\n`);
  const logFile = spec.logFile ?? join(dataDir, 'provider.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [
    KEYLEDGER_BIN,
    'provider',
    'start',
    '--name',
    spec.name,
    '--region',
    spec.region,
    '--identity',
    identityFile,
    '--data-dir',
    dataDir,
    '--port',
    String(spec.port ?? 0),
    ...(spec.allowFaultInjection ? ['--allow-fault-injection'] : []),
  ];
  const child = spawn(process.execPath, args, {
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
      reject(new Error(`provider ${spec.name} was not ready in time; its output:\n${output.slice(-4000)}`));
    }, spec.readyTimeoutMs ?? 60_000);
    const onData = (): void => {
      const match = READY.exec(output);
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
          `provider ${spec.name} exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${output.slice(-4000)}`,
        ),
      );
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    name: spec.name,
    url,
    pid: child.pid as number,
    child,
    logFile,
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
