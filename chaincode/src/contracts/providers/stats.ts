import { successLatencySum, UPTIME_WINDOWS, windowOf } from './score';
import type { OutcomeTally, ProviderStats } from '../../protocol/providers';
import type { OutcomeInput } from './schemas';

/** A single outcome as the tally of one call, so that both forms fold the same way. */
export function asTally(outcome: OutcomeInput): OutcomeTally {
  if (!('success' in outcome)) {
    return outcome;
  }
  const { providerId, success, latencyMs, at } = outcome;
  return {
    providerId,
    from: at,
    to: at,
    successes: success ? 1 : 0,
    failures: success ? 0 : 1,
    successLatencyMs: success ? latencyMs : 0,
    failureLatencyMs: success ? 0 : latencyMs,
    ...(success ? { lastSuccessAt: at } : { lastFailureAt: at }),
  };
}

/** How many calls an outcome stands for. */
export function callsOf(outcome: OutcomeInput): number {
  return 'success' in outcome ? 1 : outcome.successes + outcome.failures;
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
 * Folds one batch's outcomes (single ones and tallies) for a single provider into its aggregate. Pure: the caller
 * reads the committed stats once per provider (Fabric has no read-your-writes) and writes the result once.
 */
export function applyOutcomes(
  previous: ProviderStats,
  outcomes: readonly OutcomeInput[],
  now: number,
): ProviderStats {
  let { successCount, failureCount, latencySumMs, firstSeenAt, lastSuccessAt, lastFailureAt } = previous;
  let successLatencySumMs = successLatencySum(previous);
  const observed: number[] = [];
  const succeeded: number[] = [];
  for (const tally of outcomes.map(asTally)) {
    // A tally lies in one window (the schema checks it), so its `from` names the window of all its calls.
    const window = windowOf(tally.from);
    latencySumMs += tally.successLatencyMs + tally.failureLatencyMs;
    firstSeenAt = earlier(firstSeenAt, tally.from);
    observed.push(window);
    successCount += tally.successes;
    failureCount += tally.failures;
    successLatencySumMs += tally.successLatencyMs;
    if (tally.lastSuccessAt !== undefined) {
      lastSuccessAt = later(lastSuccessAt, tally.lastSuccessAt);
      succeeded.push(window);
    }
    if (tally.lastFailureAt !== undefined) {
      lastFailureAt = later(lastFailureAt, tally.lastFailureAt);
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
