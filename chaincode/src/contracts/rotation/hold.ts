import type { KeyPolicy, QueueState } from '../../protocol/rotation';

export interface HoldInput {
  readonly policy: KeyPolicy;
  readonly state: QueueState;
  /** Refs of the active front-ends now. */
  readonly frontends: readonly string[];
  /** Refs that received the active version's key (empty when there is no active key). */
  readonly recipients: readonly string[];
}

export interface Hold {
  /** Earliest tx time at which a rotation that is not exempt may be proposed. */
  readonly nextAllowedAt: number;
  /** Why the rotation may not wait, if it may not: the key in use is no longer safe to keep using. */
  readonly exemptBecause?: string;
}

/**
 * The rate limit on rotations. Every version superseded in a burst is one more key that front-ends must keep
 * (or lose messages under), so after a commit the next rotation waits minRotationIntervalMs:
 *
 *   nextAllowedAt = committedAt(active) + minRotationIntervalMs     (createdAt while there is no key)
 *   exempt        ⇔ the active version is reported compromised
 *                 ∨ a recipient of the active key is no longer an active front-end (revoked, or lost the role:
 *                   it still holds the key new messages are sealed with)
 *
 * An exempt rotation is never held back: waiting would keep an unsafe key in use. Both exemptions need a
 * ledger fact that someone with the right role wrote (a compromise report, a governance change), so a
 * burst of plain requests cannot claim them.
 */
export function rotationHold(input: HoldInput): Hold {
  const { policy, state } = input;
  if (state.activeVersion === 0) {
    return { nextAllowedAt: state.createdAt };
  }
  const nextAllowedAt = (state.committedAt ?? state.createdAt) + policy.minRotationIntervalMs;
  if (state.compromised.some((record) => record.version === state.activeVersion)) {
    return { nextAllowedAt, exemptBecause: `active version ${state.activeVersion} is reported compromised` };
  }
  const active = new Set(input.frontends);
  const departed = input.recipients.filter((ref) => !active.has(ref));
  if (departed.length > 0) {
    return {
      nextAllowedAt,
      exemptBecause: `the active key is held by ${departed.join(', ')}, no longer an active front-end`,
    };
  }
  return { nextAllowedAt };
}
