import {
  computeScore,
  latencyComponent,
  recencyComponent,
  RECENCY_HALF_MS,
  SCORE_SCALE,
  successLatencySum,
  successRatioComponent,
  UPTIME_WINDOW_MS,
  UPTIME_WINDOWS,
  uptimeComponent,
  WEIGHTS,
  windowOf,
} from '../../src/contracts/providers/score';
import {
  applyOutcomes,
  emptyStats,
  mergeWindows,
  asTally,
  RETAINED_WINDOWS,
} from '../../src/contracts/providers/stats';
import type { SingleOutcomeInput } from '../../src/contracts/providers/schemas';
import type { ProviderStats } from '../../src/protocol/providers';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 2, 12, 30);

describe('score components (integer, 0..10000)', () => {
  it('weights sum to the scale', () => {
    expect(WEIGHTS.successRatio + WEIGHTS.latency + WEIGHTS.uptime + WEIGHTS.recency).toBe(SCORE_SCALE);
  });

  it('smooths the success ratio (Laplace)', () => {
    expect(successRatioComponent(0, 0)).toBe(5000);
    expect(successRatioComponent(9, 1)).toBe(8333); // 10000·10/12
    expect(successRatioComponent(1, 0)).toBe(6666); // one lucky call is not 100 %
    expect(successRatioComponent(0, 8)).toBe(1000);
    expect(successRatioComponent(1_000_000, 0)).toBe(9999);
  });

  it('maps mean latency through L/(L+mean) without rounding the mean', () => {
    expect(latencyComponent(0, 0)).toBe(5000);
    expect(latencyComponent(1, 250)).toBe(5000);
    expect(latencyComponent(4, 0)).toBe(10000);
    expect(latencyComponent(3, 1000)).toBe(4285); // 10000·750/1750
    expect(latencyComponent(1, 600_000)).toBe(4); // 10000·250/600250
  });

  it('counts only the recent windows for uptime', () => {
    const current = windowOf(NOW);
    expect(uptimeComponent([], [], NOW)).toBe(5000);
    expect(uptimeComponent([current], [current], NOW)).toBe(6666);
    expect(uptimeComponent([current - 2, current - 1, current], [current], NOW)).toBe(4000); // (1+1)/(3+2)
    const stale = current - UPTIME_WINDOWS; // just outside the recent range
    expect(uptimeComponent([stale, current], [stale], NOW)).toBe(3333); // (0+1)/(1+2)
    expect(uptimeComponent([current], [current, current - 1], NOW)).toBe(6666); // never more successes than observations
  });

  it('decays recency hyperbolically with the age of the last success', () => {
    expect(recencyComponent(undefined, NOW)).toBe(0);
    expect(recencyComponent(NOW, NOW)).toBe(10000);
    expect(recencyComponent(NOW + 60_000, NOW)).toBe(10000); // a future stamp counts as age 0
    expect(recencyComponent(NOW - RECENCY_HALF_MS, NOW)).toBe(5000);
    expect(recencyComponent(NOW - 24 * HOUR, NOW)).toBe(2000);
  });

  it('starts a new provider at 4250 and combines components with floor division', () => {
    expect(computeScore(undefined, NOW)).toEqual({
      score: 4250,
      components: { successRatio: 5000, latency: 5000, uptime: 5000, recency: 0 },
    });
    const stats: ProviderStats = {
      ...emptyStats('p', NOW),
      successCount: 3,
      failureCount: 1,
      latencySumMs: 800,
      successLatencySumMs: 300,
      lastSuccessAt: NOW - 1000,
      observedWindows: [windowOf(NOW)],
      successWindows: [windowOf(NOW)],
    };
    // latency of the 3 successes only: 10000·750/(750+300) = 7142
    // 4000·6666 + 2000·7142 + 2500·6666 + 1500·9999 = 72 611 500 → 7261
    expect(computeScore(stats, NOW)).toEqual({
      score: 7261,
      components: { successRatio: 6666, latency: 7142, uptime: 6666, recency: 9999 },
    });
  });

  it('estimates the successes latency sum of stats written before it was kept', () => {
    const legacy: ProviderStats = {
      ...emptyStats('p', NOW),
      successCount: 3,
      failureCount: 1,
      latencySumMs: 800,
      successLatencySumMs: undefined,
    };
    expect(successLatencySum(legacy)).toBe(600); // ⌊800 · 3 / 4⌋
    expect(computeScore(legacy, NOW).components.latency).toBe(5555); // 10000·750/1350
    expect(successLatencySum({ ...emptyStats('p', NOW), successLatencySumMs: undefined })).toBe(0);
  });

  it('never raises the score for a batch of failures, however fast they fail', () => {
    // A tiny deterministic generator: the same cases on every run.
    let seed = 42;
    const next = (limit: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % limit;
    };
    for (let round = 0; round < 300; round += 1) {
      const before = NOW + next(3) * HOUR;
      const outcomes = (
        count: number,
        successRate: number,
        maxLatency: number,
        at: number,
      ): SingleOutcomeInput[] =>
        Array.from({ length: count }, () => ({
          providerId: 'p',
          success: next(100) < successRate,
          latencyMs: next(maxLatency + 1),
          at: at - next(5) * HOUR,
        }));
      const history = applyOutcomes(
        emptyStats('p', NOW),
        outcomes(next(60), next(101), 20_000, before),
        before,
      );
      const after = before + next(2) * HOUR;
      const failures = outcomes(1 + next(60), 0, next(2) === 0 ? 0 : 600_000, after);
      const failed = applyOutcomes(history, failures, after);
      expect(computeScore(failed, after).score).toBeLessThanOrEqual(computeScore(history, before).score);
      expect(computeScore(failed, after).components.successRatio).toBeLessThan(
        computeScore(history, before).components.successRatio,
      );
    }
  });

  it('folds a tally exactly as the single outcomes it stands for', () => {
    let seed = 7;
    const next = (limit: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % limit;
    };
    for (let round = 0; round < 200; round += 1) {
      const window = windowOf(NOW) - next(30);
      const calls: SingleOutcomeInput[] = Array.from({ length: 1 + next(40) }, () => ({
        providerId: 'p',
        success: next(100) < 70,
        latencyMs: next(5_000),
        at: window * UPTIME_WINDOW_MS + next(UPTIME_WINDOW_MS),
      }));
      const successes = calls.filter((call) => call.success);
      const failures = calls.filter((call) => !call.success);
      const sum = (list: SingleOutcomeInput[]): number =>
        list.reduce((total, call) => total + call.latencyMs, 0);
      const last = (list: SingleOutcomeInput[]): number | undefined =>
        list.length === 0 ? undefined : Math.max(...list.map((call) => call.at));
      const tally = {
        providerId: 'p',
        from: Math.min(...calls.map((call) => call.at)),
        to: Math.max(...calls.map((call) => call.at)),
        successes: successes.length,
        failures: failures.length,
        successLatencyMs: sum(successes),
        failureLatencyMs: sum(failures),
        ...(successes.length > 0 ? { lastSuccessAt: last(successes) } : {}),
        ...(failures.length > 0 ? { lastFailureAt: last(failures) } : {}),
      };
      const history = applyOutcomes(emptyStats('p', NOW), calls.slice(0, next(3)), NOW);
      const one = applyOutcomes(history, calls, NOW);
      const tallied = applyOutcomes(history, [tally], NOW);
      expect(tallied).toEqual(one);
      expect(computeScore(tallied, NOW)).toEqual(computeScore(one, NOW));
    }
    expect(asTally({ providerId: 'p', success: false, latencyMs: 9, at: NOW })).toEqual({
      providerId: 'p',
      from: NOW,
      to: NOW,
      successes: 0,
      failures: 1,
      successLatencyMs: 0,
      failureLatencyMs: 9,
      lastFailureAt: NOW,
    });
  });

  it('stays within 0..10000 at the extremes', () => {
    const perfect: ProviderStats = {
      ...emptyStats('p', NOW),
      successCount: Number.MAX_SAFE_INTEGER - 1,
      latencySumMs: 0,
      lastSuccessAt: NOW,
      observedWindows: [windowOf(NOW)],
      successWindows: [windowOf(NOW)],
    };
    const awful: ProviderStats = {
      ...emptyStats('p', NOW),
      failureCount: 1_000_000,
      latencySumMs: 600_000 * 1_000_000,
      observedWindows: [windowOf(NOW)],
    };
    const best = computeScore(perfect, NOW);
    const worst = computeScore(awful, NOW);
    expect(best.score).toBeLessThanOrEqual(SCORE_SCALE);
    expect(best.score).toBe(9166); // uptime with one window is 6666
    // failures only: their latency is not counted, so latency stays at 5000
    expect(worst.score).toBe(1833); // 4000·0 + 2000·5000 + 2500·3333 + 1500·0 = 18 332 500 → 1833
    expect(Number.isInteger(best.score) && Number.isInteger(worst.score)).toBe(true);
  });
});

describe('aggregate counters', () => {
  it('keeps the most recent distinct windows in ascending order', () => {
    const many = Array.from({ length: 40 }, (_, i) => i);
    const merged = mergeWindows([5, 3], many);
    expect(merged).toHaveLength(RETAINED_WINDOWS);
    expect(merged[0]).toBe(40 - RETAINED_WINDOWS);
    expect(merged.at(-1)).toBe(39);
    expect(mergeWindows([3, 1], [2, 3])).toEqual([1, 2, 3]);
  });

  it('folds outcomes, tracking first seen and last success / failure regardless of order', () => {
    const start = emptyStats('p', 0);
    const next = applyOutcomes(
      start,
      [
        { providerId: 'p', success: true, latencyMs: 100, at: NOW - 2 * HOUR },
        { providerId: 'p', success: false, latencyMs: 900, at: NOW - 3 * HOUR },
        { providerId: 'p', success: true, latencyMs: 50, at: NOW - 5 * HOUR },
        { providerId: 'p', success: false, latencyMs: 10, at: NOW - 4 * HOUR },
      ],
      NOW,
    );
    expect(next).toEqual({
      providerId: 'p',
      successCount: 2,
      failureCount: 2,
      latencySumMs: 1060,
      successLatencySumMs: 150,
      firstSeenAt: NOW - 5 * HOUR,
      lastSuccessAt: NOW - 2 * HOUR,
      lastFailureAt: NOW - 3 * HOUR,
      observedWindows: [5, 4, 3, 2].map((h) => windowOf(NOW - h * HOUR)),
      successWindows: [5, 2].map((h) => windowOf(NOW - h * HOUR)),
      batchCount: 1,
      updatedAt: NOW,
    });
    const later = applyOutcomes(
      next,
      [{ providerId: 'p', success: true, latencyMs: 0, at: NOW - 6 * HOUR }],
      NOW + 1,
    );
    expect(later.lastSuccessAt).toBe(NOW - 2 * HOUR);
    expect(later.firstSeenAt).toBe(NOW - 6 * HOUR);
    expect(later.batchCount).toBe(2);
    expect(later.successWindows[0]).toBe(Math.floor((NOW - 6 * HOUR) / UPTIME_WINDOW_MS));
  });
});
