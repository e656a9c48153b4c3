import { performance } from 'node:perf_hooks';

/** Throughput and latency of one measured phase. */
export interface Stats {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
}

/** Latencies (ms) of a phase and its wall-clock length. */
export interface PhaseResult {
  readonly latencies: number[];
  readonly seconds: number;
  /** Mean ms per operation spent in each stage, when the operation reports its stages. */
  readonly stages?: Readonly<Record<string, number>>;
}

/** Sums the time operations spend in named stages, to report the mean per operation. */
export class StageClock {
  readonly #sums = new Map<string, number>();
  #operations = 0;

  /** Adds one operation's stages (ms each). */
  add(stages: Readonly<Record<string, number>>): void {
    for (const [name, ms] of Object.entries(stages)) this.#sums.set(name, (this.#sums.get(name) ?? 0) + ms);
    this.#operations++;
  }

  means(): Record<string, number> {
    return Object.fromEntries(
      [...this.#sums].map(([name, ms]) => [name, ms / Math.max(1, this.#operations)]),
    );
  }
}

/** "endorse 34.5 + submit 8.2 + commit status 10.2" (ms) */
export function describeStages(stages: Readonly<Record<string, number>>): string {
  return Object.entries(stages)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    .join(' + ');
}

/** The p-th percentile (nearest rank) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function statsOf(result: PhaseResult): Stats {
  const { latencies, seconds } = result;
  return {
    count: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

/** Runs `op` from `concurrency` callers until `total` operations or `maxMs`, whichever comes first. */
export async function runPhase(
  concurrency: number,
  total: number,
  maxMs: number,
  op: (i: number) => Promise<unknown>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  const deadline = began + maxMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && performance.now() < deadline) {
        const i = next++;
        const start = performance.now();
        await op(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - began) / 1000 };
}

export function row(name: string, stats: Stats, goal = ''): string {
  return `${name.padEnd(44)} ${stats.perSecond.toFixed(0).padStart(8)} /s   p50 ${stats.p50.toFixed(2).padStart(7)} ms   p95 ${stats.p95.toFixed(2).padStart(7)} ms   (n=${stats.count})${goal ? `   goal ${goal}` : ''}`;
}
