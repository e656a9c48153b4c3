import { successLatencySum, UPTIME_WINDOWS, windowOf } from './score';
import type { ProviderStats } from '../../protocol/providers';

export interface Outcome {
  readonly providerId: string;
  readonly success: boolean;
  readonly latencyMs: number;
  readonly at: number;
}

export function emptyStats(providerId: string, now: number): ProviderStats {
  return {
    providerId,
    successCount: 0,
    failureCount: 0,
    latencySumMs: 0,
    successLatencySumMs: 0,
    observedWindows: [],
    successWindows: [],
    batchCount: 0,
    updatedAt: now,
  };
}

/**
 * How many distinct windows the stats keep: the recent ones plus one, because an outcome may be stamped up to
 * five minutes after the transaction time and so fall in the next window.
 */
export const RETAINED_WINDOWS = UPTIME_WINDOWS + 1;

/** Adds windows, keeping the {@link RETAINED_WINDOWS} most recent distinct ones in ascending order. */
export function mergeWindows(existing: readonly number[], added: readonly number[]): number[] {
  const distinct = [...new Set([...existing, ...added])].sort((a, b) => a - b);
  return distinct.slice(Math.max(0, distinct.length - RETAINED_WINDOWS));
}

function later(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.max(a, b);
}

function earlier(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}

/**
 * Folds one batch's outcomes for a single provider into its aggregate. Pure: the caller reads the committed
 * stats once per provider (Fabric has no read-your-writes) and writes the result once.
 */
export function applyOutcomes(
  previous: ProviderStats,
  outcomes: readonly Outcome[],
  now: number,
): ProviderStats {
  let { successCount, failureCount, latencySumMs, firstSeenAt, lastSuccessAt, lastFailureAt } = previous;
  let successLatencySumMs = successLatencySum(previous);
  const observed: number[] = [];
  const succeeded: number[] = [];
  for (const outcome of outcomes) {
    latencySumMs += outcome.latencyMs;
    firstSeenAt = earlier(firstSeenAt, outcome.at);
    observed.push(windowOf(outcome.at));
    if (outcome.success) {
      successCount += 1;
      successLatencySumMs += outcome.latencyMs;
      lastSuccessAt = later(lastSuccessAt, outcome.at);
      succeeded.push(windowOf(outcome.at));
    } else {
      failureCount += 1;
      lastFailureAt = later(lastFailureAt, outcome.at);
    }
  }
  return {
    providerId: previous.providerId,
    successCount,
    failureCount,
    latencySumMs,
    successLatencySumMs,
    firstSeenAt,
    lastSuccessAt,
    lastFailureAt,
    observedWindows: mergeWindows(previous.observedWindows, observed),
    successWindows: mergeWindows(previous.successWindows, succeeded),
    batchCount: previous.batchCount + 1,
    updatedAt: now,
  };
}
