/**
 * When the signing service rotates its key: a policy (`every`, `publishAhead`) parsed once, and the next
 * rotation after a key's activation computed from it in UTC. Pure: the key manager supplies the times.
 */
import {
  addDuration,
  averageMs,
  InvalidRotationPolicyError,
  isFixedLength,
  parseIsoDateTime,
  parseIsoDuration,
  shortestMs,
  type IsoDuration,
} from './isoDuration';

/** A rotation policy as configured. */
export interface RotationPolicyInput {
  /**
   * 'daily' (P1D), 'weekly' (P1W), 'monthly' (P1M), an ISO 8601 duration (PT1H, P7D, P1M, PT30S: the next
   * rotation is that long after the key's activation), or an ISO 8601 repeating interval with a start
   * (R/2026-12-01T00:00:00Z/P1D: rotations at start + k·period, the first one after the activation).
   */
  readonly every: string;
  /**
   * How long before a rotation the next key is registered published (verify-only, in the JWKS), so that
   * verifiers caching the JWKS know it before its first token. A fixed-length duration (no Y or M), shorter
   * than the period. Default: a tenth of the period, at most one hour (see {@link defaultPublishAheadMs}).
   */
  readonly publishAhead?: string;
}

/** A parsed policy; `every` and `publishAhead` keep the text as given, for /health and the log. */
export interface RotationPolicy {
  readonly every: string;
  readonly period: IsoDuration;
  /** The repeating interval's start (epoch ms); absent when rotations count from each activation. */
  readonly anchor?: number;
  readonly publishAheadMs: number;
}

const NAMED: Readonly<Record<string, string>> = { daily: 'P1D', weekly: 'P1W', monthly: 'P1M' };
const HOUR_MS = 3_600_000;
/** A rotation takes a certification and two transactions; a shorter period would never leave a key in use. */
const MIN_PERIOD_MS = 1000;

/**
 * The default publish-ahead: a tenth of the shortest the period lasts, at most one hour. An hour covers the
 * usual JWKS cache lifetimes (max-age of minutes up to an hour); a tenth keeps short test periods usable.
 */
export function defaultPublishAheadMs(period: IsoDuration): number {
  return Math.min(HOUR_MS, Math.floor(shortestMs(period) / 10));
}

/** Parses and checks a policy; an InvalidRotationPolicyError says which part is wrong and why. */
export function parseRotationPolicy(input: RotationPolicyInput): RotationPolicy {
  const every = input.every.trim();
  const { period, anchor } = parseEvery(every);
  if (shortestMs(period) < MIN_PERIOD_MS) {
    throw new InvalidRotationPolicyError({
      field: 'every',
      message: `'${every}' is shorter than the minimum period of ${MIN_PERIOD_MS / 1000} s`,
    });
  }
  let publishAheadMs = defaultPublishAheadMs(period);
  if (input.publishAhead !== undefined) {
    const ahead = parseIsoDuration(input.publishAhead.trim(), 'publishAhead');
    if (!isFixedLength(ahead)) {
      throw new InvalidRotationPolicyError({
        field: 'publishAhead',
        message: `'${input.publishAhead}' has years or months; use weeks, days, hours, minutes or seconds`,
      });
    }
    publishAheadMs = shortestMs(ahead);
    if (publishAheadMs >= shortestMs(period)) {
      throw new InvalidRotationPolicyError({
        field: 'publishAhead',
        message: `'${input.publishAhead}' is not shorter than the period '${every}'`,
      });
    }
  }
  return { every, period, ...(anchor === undefined ? {} : { anchor }), publishAheadMs };
}

function parseEvery(every: string): { period: IsoDuration; anchor?: number } {
  const named = NAMED[every.toLowerCase()];
  if (named !== undefined) {
    return { period: parseIsoDuration(named, 'every') };
  }
  if (!every.startsWith('R')) {
    return { period: parseIsoDuration(every, 'every') };
  }
  const parts = every.split('/');
  if (parts.length !== 3 || parts[0] !== 'R') {
    throw new InvalidRotationPolicyError({
      field: 'every',
      message:
        `'${every}' is not an unbounded repeating interval R/<start>/<duration> ` +
        '(e.g. R/2026-12-01T00:00:00Z/P1D; Rn/… and end dates are not supported)',
    });
  }
  return {
    anchor: parseIsoDateTime(parts[1] as string, 'every'),
    period: parseIsoDuration(parts[2] as string, 'every'),
  };
}

/**
 * The next rotation of a key activated at `activatedAt`: activatedAt + period, or with a start, the first
 * start + k·period (k ≥ 0) after activatedAt. Always later than activatedAt.
 */
export function nextRotationAt(policy: RotationPolicy, activatedAt: number): number {
  if (policy.anchor === undefined) {
    return addDuration(activatedAt, policy.period);
  }
  const anchor = policy.anchor;
  if (anchor > activatedAt) {
    return anchor;
  }
  // Estimate k by the average length, then step to the first grid time after activatedAt: start + k·period
  // grows with k, so a few steps at most from a good estimate.
  let k = Math.max(0, Math.floor((activatedAt - anchor) / averageMs(policy.period)) - 1);
  while (k > 0 && addDuration(anchor, policy.period, k) > activatedAt) {
    k -= 1;
  }
  while (addDuration(anchor, policy.period, k) <= activatedAt) {
    k += 1;
  }
  return addDuration(anchor, policy.period, k);
}

/** When the next key is to be published ahead of the rotation at `rotationAt`. */
export function publishAt(policy: RotationPolicy, rotationAt: number): number {
  return rotationAt - policy.publishAheadMs;
}
