import { promises as fs } from 'node:fs';
import type { DevnetOwner } from './owner';
import { processStartTime } from './start-time';

/** `<data>/devnet.pid.json`: which process serves this data folder, and where. */
export interface RuntimeFile {
  readonly pid: number;
  /** /proc/<pid>/stat field 22 of that process when it wrote the file (absent where /proc is not). */
  readonly startTime?: string;
  readonly endpoint: string;
  readonly port: number;
  readonly adminPort: number;
  readonly startedAt: string;
  /** The program the devnet runs inside, if not `devnet start` (e.g. the KeyLedger stack). */
  readonly owner?: DevnetOwner;
}

/** What the pid file says about the process it names. */
export type RuntimeState =
  | { readonly state: 'running'; readonly runtime: RuntimeFile }
  /** The pid is alive but is another process: it started at another time than the one that wrote the file. */
  | { readonly state: 'stale'; readonly runtime: RuntimeFile; readonly reason: string }
  /** The file names a pid that has exited (the devnet was killed, or its machine restarted). */
  | { readonly state: 'exited'; readonly runtime: RuntimeFile }
  | { readonly state: 'absent' };

export async function writeRuntimeFile(file: string, runtime: Omit<RuntimeFile, 'startTime'>): Promise<void> {
  const startTime = processStartTime(runtime.pid);
  const record: RuntimeFile = { ...runtime, ...(startTime !== undefined ? { startTime } : {}) };
  await fs.writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
}

async function readRuntimeFile(file: string): Promise<RuntimeFile | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RuntimeFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `runtime` still describes a live process: same pid and, where /proc tells, same start time. */
export function isSameProcess(runtime: RuntimeFile): boolean {
  if (!alive(runtime.pid)) return false;
  if (runtime.startTime === undefined) return true;
  const now = processStartTime(runtime.pid);
  return now === undefined || now === runtime.startTime;
}

/**
 * Reads the pid file and checks it against the process table: `running` only when the pid is alive and started
 * when the file says; a dead pid is `exited`, no file `absent`; a live pid that started at another time is `stale` — signalling it
 * would hit an unrelated process that was given the same number.
 */
export async function runtimeState(file: string): Promise<RuntimeState> {
  const runtime = await readRuntimeFile(file);
  if (!runtime) return { state: 'absent' };
  if (!alive(runtime.pid)) return { state: 'exited', runtime };
  if (isSameProcess(runtime)) return { state: 'running', runtime };
  return {
    state: 'stale',
    runtime,
    reason: `pid ${runtime.pid} is now another process (start time ${processStartTime(runtime.pid) ?? '?'}, the devnet's was ${runtime.startTime ?? '?'})`,
  };
}
