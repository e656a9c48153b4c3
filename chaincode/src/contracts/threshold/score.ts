import type { ModuleStatus, RecentAnomaly, TrustCounters } from '../../protocol/threshold';

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;

/** Points for a fresh attestation. */
export const ATTESTATION_POINTS = 600;
/** An attestation this young earns full points. */
export const ATTESTATION_FRESH_MS = DAY_MS;
/** An attestation this old (or older) earns nothing. */
export const ATTESTATION_STALE_MS = 7 * DAY_MS;
/** Points for a perfect participation record. */
export const PARTICIPATION_POINTS = 400;
/** Penalty of a fresh anomaly, per severity step (severity 1..5 → 40..200 points). */
export const ANOMALY_POINTS_PER_SEVERITY = 40;
/** Anomalies decay linearly to nothing over this window. */
export const ANOMALY_WINDOW_MS = 30 * DAY_MS;
/** At most this many recent anomalies are kept on the module record (the oldest fall off first). */
export const MAX_RECENT_ANOMALIES = 32;
/** Penalty per cheater report. Never decays. */
export const CHEATER_PENALTY = 400;
export const MAX_SCORE = 1000;

export interface TrustBreakdown {
  readonly score: number;
  readonly attestation: number;
  readonly participation: number;
  readonly anomalyPenalty: number;
  readonly cheaterPenalty: number;
  readonly quarantined: boolean;
  readonly attestationAgeMs: number | null;
  readonly computedAt: number;
}

/** Integer division of non-negative safe integers, exact (no floating-point rounding). */
export function idiv(numerator: number, denominator: number): number {
  return (numerator - (numerator % denominator)) / denominator;
}

/**
 * Attestation freshness: a module proves every day that it still runs the expected firmware on a live key.
 * `age = now − lastAttestedAt` (tx times, clamped at 0). `age ≤ 24 h` → 600; `age ≥ 7 d` → 0; in between
 * `⌊600 · (7 d − age) / 6 d⌋`. No attestation → 0.
 */
export function attestationPoints(lastAttestedAt: number | undefined, now: number): number {
  if (lastAttestedAt === undefined) {
    return 0;
  }
  const age = Math.max(0, now - lastAttestedAt);
  if (age <= ATTESTATION_FRESH_MS) {
    return ATTESTATION_POINTS;
  }
  if (age >= ATTESTATION_STALE_MS) {
    return 0;
  }
  return idiv(ATTESTATION_POINTS * (ATTESTATION_STALE_MS - age), ATTESTATION_STALE_MS - ATTESTATION_FRESH_MS);
}

/**
 * Participation success ratio with Laplace smoothing (one pseudo success and one pseudo failure), so a new
 * module starts at half the points and one outcome cannot swing it to either end:
 * `⌊400 · (ok + 1) / (ok + failed + 2)⌋`.
 */
export function participationPoints(ok: number, failed: number): number {
  return idiv(PARTICIPATION_POINTS * (ok + 1), ok + failed + 2);
}

/** Integer ceiling division of non-negative safe integers. */
export function idivCeil(numerator: number, denominator: number): number {
  return idiv(numerator + denominator - 1, denominator);
}

/**
 * Each anomaly costs `severity · 40` points when fresh and decays linearly to 0 over 30 days:
 * `Σ ⌈severity · 40 · (30 d − age) / 30 d⌉` over anomalies with `0 ≤ age < 30 d` (age clamped at 0). Penalties
 * round up so that rounding never works in a misbehaving module's favour.
 */
export function anomalyPenalty(anomalies: readonly RecentAnomaly[], now: number): number {
  let penalty = 0;
  for (const anomaly of anomalies) {
    const age = Math.max(0, now - anomaly.at);
    if (age < ANOMALY_WINDOW_MS) {
      penalty += idivCeil(
        anomaly.severity * ANOMALY_POINTS_PER_SEVERITY * (ANOMALY_WINDOW_MS - age),
        ANOMALY_WINDOW_MS,
      );
    }
  }
  return penalty;
}

/**
 * The trust score of a security module, an integer in 0..1000, deterministic in (counters, status, tx time):
 *
 * ```
 * score = quarantined ? 0
 *       : clamp(attestation + participation − anomalyPenalty − 400 · cheaterReports, 0, 1000)
 * ```
 *
 * with {@link attestationPoints} (0..600), {@link participationPoints} (0..400) and {@link anomalyPenalty}.
 * Why these weights: attestation is the only positive evidence that the HSM is genuine and untampered, so it
 * dominates and must be renewed; participation rewards modules that deliver valid shares; anomalies are
 * forgiven with time; a cheater — a module whose share failed verification against the on-ledger Feldman
 * commitments — is proven misbehaviour and is never forgiven (two reports put it below any useful threshold).
 * Tamper evidence quarantines the module: score 0 until an admin clears it. Integer math only, so every
 * endorser computes the same value.
 */
export function trustBreakdown(trust: TrustCounters, status: ModuleStatus, now: number): TrustBreakdown {
  const attestation = attestationPoints(trust.lastAttestedAt, now);
  const participation = participationPoints(trust.participationOk, trust.participationFailed);
  const anomaly = anomalyPenalty(trust.recentAnomalies, now);
  const cheater = CHEATER_PENALTY * trust.cheaterReports;
  const quarantined = status === 'quarantined';
  const raw = attestation + participation - anomaly - cheater;
  const score = quarantined ? 0 : Math.min(MAX_SCORE, Math.max(0, raw));
  return {
    score,
    attestation,
    participation,
    anomalyPenalty: anomaly,
    cheaterPenalty: cheater,
    quarantined,
    attestationAgeMs: trust.lastAttestedAt === undefined ? null : Math.max(0, now - trust.lastAttestedAt),
    computedAt: now,
  };
}

export function trustScore(trust: TrustCounters, status: ModuleStatus, now: number): number {
  return trustBreakdown(trust, status, now).score;
}

/** Adds an anomaly to the bounded recent list, dropping ones that have fully decayed and the oldest beyond the cap. */
export function withAnomaly(
  recent: readonly RecentAnomaly[],
  anomaly: RecentAnomaly,
  now: number,
): RecentAnomaly[] {
  const alive = recent.filter((entry) => now - entry.at < ANOMALY_WINDOW_MS);
  return [...alive, anomaly].slice(-MAX_RECENT_ANOMALIES);
}

export function emptyCounters(): TrustCounters {
  return {
    attestations: 0,
    participationOk: 0,
    participationFailed: 0,
    anomalies: 0,
    recentAnomalies: [],
    cheaterReports: 0,
    tamperReports: 0,
  };
}
