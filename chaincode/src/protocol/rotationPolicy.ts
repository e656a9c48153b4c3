/**
 * Key-policy bounds and defaults, and the retention rule, as plain values and pure functions: the chaincode
 * validates and applies them, the gateway builds its REST schema and its keyring eviction from the same ones.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Inclusive bounds of each numeric key-policy field. */
export const KEY_POLICY_LIMITS = {
  rotationIntervalMs: { min: 1000, max: 3650 * DAY_MS },
  maxMessages: { min: 1, max: Number.MAX_SAFE_INTEGER },
  proposalTtlMs: { min: MINUTE_MS, max: 30 * DAY_MS },
  retentionVersions: { min: 1, max: 1000 },
  /** Also at most the policy's own rotationIntervalMs (a hold longer than the interval would defeat it). */
  minRotationIntervalMs: { min: 0, max: 3650 * DAY_MS },
  retentionMs: { min: 0, max: 3650 * DAY_MS },
} as const;

/**
 * What an omitted optional field becomes when a policy is set, and what a stored policy written before the
 * field existed reads as.
 *
 * - `proposalTtlMs` 1 h: long enough for every validator agent to review and vote.
 * - `retentionVersions` 2: the active version and the one before it.
 * - `minRotationIntervalMs` 60 s (capped at the policy's rotationIntervalMs, see
 *   {@link defaultMinRotationIntervalMs}): after a commit, rotations other than for a compromise wait this
 *   long. One minute is six fallback polls of a front-end (10 s) — every front-end holds the new version
 *   before the next one can commit, even one that missed the event — yet far below any useful scheduled
 *   interval, so it only ever holds back bursts (33 concurrent manual rotations become one) and delays a
 *   volume rotation by at most a minute. 0 turns the hold off (tests); decryptability never depends on it,
 *   `retentionMs` protects that.
 * - `retentionMs` 7 days: a superseded version is kept at least this long after a later version took over,
 *   however many rotations followed, so messages still sitting in a queue stay decryptable. Seven days is the
 *   usual broker retention (Kafka's default log.retention.hours=168; SQS keeps at most 14 days, set 14 days
 *   there). 0 means retention by count only.
 *
 * With both defaults a front-end holds at most retentionVersions + retentionMs / minRotationIntervalMs
 * versions of one queue (2 + 10 080) even under a sustained burst; in practice one per scheduled interval.
 */
export const KEY_POLICY_DEFAULTS = {
  proposalTtlMs: HOUR_MS,
  retentionVersions: 2,
  minRotationIntervalMs: MINUTE_MS,
  retentionMs: 7 * DAY_MS,
} as const;

/** The default hold: {@link KEY_POLICY_DEFAULTS}.minRotationIntervalMs, but never above the rotation interval. */
export function defaultMinRotationIntervalMs(rotationIntervalMs: number): number {
  return Math.min(KEY_POLICY_DEFAULTS.minRotationIntervalMs, rotationIntervalMs);
}

/**
 * How far after the proposing transaction a proposal's notBefore may lie (1 h). A key that takes over later
 * keeps the old key in use that much longer, and under retention by count alone it would push versions
 * still in use past the floor; an hour is ample for every front-end to fetch and unwrap the new key.
 */
export const MAX_NOT_BEFORE_LEAD_MS = HOUR_MS;

/** When a committed version starts to be used for new messages: not before its commit, nor its notBefore. */
export function takesOverAt(rotation: { readonly committedAt: number; readonly notBefore: number }): number {
  return Math.max(rotation.committedAt, rotation.notBefore);
}

/** The policy fields the retention rule reads. */
export interface RetentionPolicy {
  readonly retentionVersions: number;
  readonly retentionMs: number;
}

/** A committed version as the retention rule sees it (GetRotationsSince returns both fields). */
export interface RetentionSubject {
  readonly version: number;
  /**
   * When a later version took (or takes) over new messages — the earliest {@link takesOverAt} of the
   * versions after this one; absent while no later version is committed. May lie in the future.
   */
  readonly supersededAt?: number;
}

/**
 * Whether a front-end must still hold a committed key version (an evicted version's key is destroyed, and
 * messages under it no longer decrypt):
 *
 *   retained ⇔ newestVersion − version < retentionVersions      (one of the newest retentionVersions)
 *            ∨ supersededAt is absent                           (nothing has replaced it)
 *            ∨ now − supersededAt < retentionMs                 (replaced less than retentionMs ago)
 *
 * `newestVersion` is the newest committed version, `now` the front-end's clock.
 */
export function isVersionRetained(
  policy: RetentionPolicy,
  newestVersion: number,
  subject: RetentionSubject,
  now: number,
): boolean {
  if (newestVersion - subject.version < policy.retentionVersions) {
    return true;
  }
  if (subject.supersededAt === undefined) {
    return true;
  }
  return now - subject.supersededAt < policy.retentionMs;
}

/**
 * From when the time rule no longer keeps a version (supersededAt + retentionMs), so a front-end can schedule
 * its eviction; undefined while the version is not superseded. The count rule may keep it longer.
 */
export function retainedByTimeUntil(policy: RetentionPolicy, subject: RetentionSubject): number | undefined {
  return subject.supersededAt === undefined ? undefined : subject.supersededAt + policy.retentionMs;
}
