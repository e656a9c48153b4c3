/* Helpers of the device-key-shards benchmark (test/bench/shards.bench.ts): no jest, no assertions. */
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { shards } from '@keyledger/chaincode/protocol';
import { p256PointFromPublicKey } from '../../../gateway/src/hsm';
import type { ShardsLedger } from '../../../gateway/src/shards';
import { percentile } from './load';

/** `count` uncompressed P-256 points (what a device hands its operator), made before any timing starts. */
export function devicePoints(count: number): Buffer[] {
  return Array.from({ length: count }, () =>
    p256PointFromPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
  );
}

/**
 * A ShardsLedger whose GetShardBundle answers a bundle read once from the devnet, without a network round
 * trip: a DeviceClient over it runs its whole sign path (status checks, digests, n × openShard in the token,
 * the one-time key rebuilt, compared and used, then wiped) minus the evaluate — the reconstruction's share.
 * Every other call is refused, so nothing else is measured by mistake.
 */
export function cachedBundleLedger(bundle: shards.ShardBundle): ShardsLedger {
  const refuse = (): never => {
    throw new Error('the cached-bundle ledger answers GetShardBundle only');
  };
  return new Proxy({} as ShardsLedger, {
    get: (_target, property) => (property === 'bundle' ? () => Promise.resolve(bundle) : refuse),
  });
}

/** Runs `op` `count` times one after another; latencies in ms. */
export async function sequential(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await op(i);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

/** "p50   4.21 ms   p99   9.80 ms   mean   4.70 ms   (n 300)" */
export function latencyFigures(latencies: readonly number[]): string {
  const mean = latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, latencies.length);
  return (
    `p50 ${percentile(latencies, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(latencies, 99).toFixed(2).padStart(7)} ms` +
    `   mean ${mean.toFixed(2).padStart(7)} ms   (n ${latencies.length})`
  );
}

/** Runs `work` over `items` with at most `limit` at once; the failures, by item. */
export async function pooled<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<{ item: T; error: string }[]> {
  const failures: { item: T; error: string }[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return failures;
}

/** Operations per second of a synchronous `op` over about `ms`. */
export function rate(op: () => unknown, ms: number): number {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i += 1) op();
    count += 16;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export interface Contender {
  readonly name: string;
  readonly op: () => unknown;
}

/**
 * Every contender in each round, in turn, in slices of `sliceMs`, so all see the same machine; the median
 * ops/s of each, by name.
 */
export function race(contenders: readonly Contender[], rounds: number, sliceMs: number): Map<string, number> {
  for (const c of contenders) rate(c.op, Math.min(100, sliceMs)); // warm-up: JIT, sessions, SoftHSM caches
  const figures = contenders.map(() => [] as number[]);
  for (let round = 0; round < rounds; round += 1) {
    contenders.forEach((c, i) => figures[i]?.push(rate(c.op, sliceMs)));
  }
  return new Map(contenders.map((c, i) => [c.name, median(figures[i] ?? [])]));
}

export function perSecond(value: number): string {
  return Math.round(value).toLocaleString('en-US').padStart(9);
}
