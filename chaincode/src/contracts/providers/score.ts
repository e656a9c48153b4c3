import { REPUTATION_WINDOW_MS, reputationWindowOf, type ProviderStats } from '../../protocol/providers';

/**
 * Deterministic provider score, an integer in 0..10 000 (basis points).
 *
 * Every endorser must compute the same score from the same state, so only integer arithmetic is used
 * (BigInt, floor division) and time is the transaction timestamp. The score mixes four components, each
 * itself an integer in 0..10 000:
 *
 * 1. **Success ratio** (weight {@link WEIGHTS}.successRatio = 4000) — Laplace-smoothed so that a provider with
 *    one lucky call does not outrank one with a long good record, and a new provider starts at one half:
 *    `successRatio = ⌊10000 · (s + 1) / (s + f + 2)⌋` with s, f the success and failure counts.
 * 2. **Latency** (weight 2000) — of successful calls only, a hyperbola that is 10 000 for an instant answer and
 *    halves when their mean latency equals the reference L = {@link LATENCY_REFERENCE_MS} ms:
 *    `latency = ⌊10000 · L / (L + sum/s)⌋ = ⌊10000 · L · s / (L · s + sum)⌋` with sum the latencies of the s
 *    successes (the second form avoids rounding the mean). With no success yet it is 5000 (as if the mean were L).
 *    Failures are left out on purpose: a provider that refuses every call at once would otherwise look fast and
 *    climb while failing (the "fast failure" trap of latency-based balancing). A failure already costs through the
 *    success ratio and uptime, so a batch of failures never raises the score.
 * 3. **Uptime** (weight 2500) — the Laplace-smoothed share of recent windows in which the provider answered at
 *    least once successfully. Time is cut into windows of {@link UPTIME_WINDOW_MS} (1 h); the recent windows
 *    are the {@link UPTIME_WINDOWS} (24) windows ending with the transaction's window. With O the recent windows
 *    with any outcome and S those with a success: `uptime = ⌊10000 · (S + 1) / (O + 2)⌋`. It catches the
 *    provider that is fast and right in bursts but down for hours in between, which the success ratio (a share
 *    of calls, dominated by busy hours) hides. Windows without any outcome are not held against a provider: the
 *    orchestrator may simply not have needed it.
 * 4. **Recency** (weight 1500) — decays with the time since the last success, so a provider that used to be
 *    good but has not answered lately drops: `recency = ⌊10000 · R / (R + age)⌋` with
 *    R = {@link RECENCY_HALF_MS} (6 h) and age = max(0, now − lastSuccessAt). It is 5000 after 6 h, ≈ 2000 after
 *    a day; 0 if the provider never succeeded.
 *
 * `score = ⌊(4000 · successRatio + 2000 · latency + 2500 · uptime + 1500 · recency) / 10000⌋`.
 * The weights sum to 10 000, so the score stays in 0..10 000. A brand-new provider scores
 * ⌊(4000·5000 + 2000·5000 + 2500·5000 + 0) / 10000⌋ = 4250.
 */
export const SCORE_SCALE = 10_000;

/** Integer weights of the components; they sum to {@link SCORE_SCALE}. */
export const WEIGHTS = {
  successRatio: 4000,
  latency: 2000,
  uptime: 2500,
  recency: 1500,
} as const;

/** Reference latency L: a provider whose mean latency is L gets half the latency component. */
export const LATENCY_REFERENCE_MS = 250;

/** Length of one uptime window. */
export const UPTIME_WINDOW_MS = REPUTATION_WINDOW_MS;

/** Number of windows (ending with the current one) that count as recent; also how many the stats keep. */
export const UPTIME_WINDOWS = 24;

/** Time since the last success at which the recency component has halved. */
export const RECENCY_HALF_MS = 6 * 3_600_000;

export interface ScoreComponents {
  readonly successRatio: number;
  readonly latency: number;
  readonly uptime: number;
  readonly recency: number;
}

export interface ScoreBreakdown {
  readonly score: number;
  readonly components: ScoreComponents;
}

const SCALE = BigInt(SCORE_SCALE);

/** ⌊SCALE · numerator / denominator⌋ in exact integer arithmetic. */
function scaled(numerator: bigint, denominator: bigint): number {
  return Number((SCALE * numerator) / denominator);
}

export function successRatioComponent(successes: number, failures: number): number {
  return scaled(BigInt(successes) + 1n, BigInt(successes) + BigInt(failures) + 2n);
}

export function latencyComponent(count: number, latencySumMs: number): number {
  if (count === 0) {
    return SCORE_SCALE / 2;
  }
  const reference = BigInt(LATENCY_REFERENCE_MS) * BigInt(count);
  return scaled(reference, reference + BigInt(latencySumMs));
}

/** The window an instant falls in. */
export const windowOf = reputationWindowOf;

export function uptimeComponent(
  observedWindows: readonly number[],
  successWindows: readonly number[],
  now: number,
): number {
  const oldest = windowOf(now) - UPTIME_WINDOWS + 1;
  const observed = observedWindows.filter((window) => window >= oldest).length;
  // A success window is always an observed one; the min guards against hand-edited state.
  const succeeded = Math.min(observed, successWindows.filter((window) => window >= oldest).length);
  return scaled(BigInt(succeeded) + 1n, BigInt(observed) + 2n);
}

export function recencyComponent(lastSuccessAt: number | undefined, now: number): number {
  if (lastSuccessAt === undefined) {
    return 0;
  }
  const age = BigInt(Math.max(0, now - lastSuccessAt));
  const half = BigInt(RECENCY_HALF_MS);
  return scaled(half, half + age);
}

/**
 * The latency sum of a provider's successes. Stats written before `successLatencySumMs` existed have only the sum
 * over all outcomes; their successes' share of it is the best estimate (integer, so endorsers agree).
 */
export function successLatencySum(stats: ProviderStats): number {
  if (stats.successLatencySumMs !== undefined) {
    return stats.successLatencySumMs;
  }
  const count = stats.successCount + stats.failureCount;
  return count === 0 ? 0 : Number((BigInt(stats.latencySumMs) * BigInt(stats.successCount)) / BigInt(count));
}

/** The score of a provider at transaction time `now`; `stats` undefined means no outcome recorded yet. */
export function computeScore(stats: ProviderStats | undefined, now: number): ScoreBreakdown {
  const successes = stats?.successCount ?? 0;
  const failures = stats?.failureCount ?? 0;
  const components: ScoreComponents = {
    successRatio: successRatioComponent(successes, failures),
    latency: latencyComponent(successes, stats ? successLatencySum(stats) : 0),
    uptime: uptimeComponent(stats?.observedWindows ?? [], stats?.successWindows ?? [], now),
    recency: recencyComponent(stats?.lastSuccessAt, now),
  };
  const weighted =
    BigInt(WEIGHTS.successRatio) * BigInt(components.successRatio) +
    BigInt(WEIGHTS.latency) * BigInt(components.latency) +
    BigInt(WEIGHTS.uptime) * BigInt(components.uptime) +
    BigInt(WEIGHTS.recency) * BigInt(components.recency);
  return { score: Number(weighted / SCALE), components };
}
