import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat on Linux (USER_HZ is 100 on every mainstream architecture). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc; undefined where /proc is absent. Read for
 * the devnet, the chaincode and the load generator alike, so their shares of a phase can be printed side by side.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: fields are counted after its closing ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
    return ((userTicks + systemTicks) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU used by named processes over one phase. */
export class CpuMeter {
  readonly #pids: ReadonlyMap<string, number>;
  readonly #start = new Map<string, number>();

  constructor(pids: ReadonlyMap<string, number>) {
    this.#pids = pids;
    for (const [name, pid] of pids) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) this.#start.set(name, ms);
    }
  }

  /** CPU ms per process since construction; a process /proc cannot read is left out. */
  used(): Map<string, number> {
    const used = new Map<string, number>();
    for (const [name, pid] of this.#pids) {
      const before = this.#start.get(name);
      const now = processCpuMs(pid);
      if (before !== undefined && now !== undefined) used.set(name, now - before);
    }
    return used;
  }
}

/**
 * "devnet 0.61 + chaincode 0.55 + client 0.52 = 1.68 ms CPU per op; machine 78 % busy" — where a phase's CPU went,
 * per operation, and how much of the machine it used.
 */
export function describeCpu(used: ReadonlyMap<string, number>, operations: number, seconds: number): string {
  if (used.size === 0 || operations === 0) return '  (CPU per process: /proc not available)';
  const parts = [...used].map(([name, ms]) => `${name} ${(ms / operations).toFixed(2)}`);
  const total = [...used.values()].reduce((sum, ms) => sum + ms, 0);
  const busy = total / (seconds * 1000 * os.cpus().length);
  return `  CPU per op: ${parts.join(' + ')} = ${(total / operations).toFixed(2)} ms; machine ${(busy * 100).toFixed(0)} % busy`;
}
