import { faultTolerance, requiredApprovals, type QuorumRule } from '../../lib';
import type { MemberId, Tally, Vote } from './types';

/** Proposals stay open for seven days of transaction time. */
export const PROPOSAL_TTL_MILLIS = 7 * 24 * 60 * 60 * 1000;

/**
 * Approvals a governance change needs from n active validators.
 *
 *   f        = ⌊(n−1)/3⌋
 *   required = max(requiredApprovals(rule, n), 2f+1, min(2, n))      (0 when n = 0)
 *
 * `requiredApprovals` (lib/quorum.ts) gives the BFT quorum max(2f+1, ⌈(n+f+1)/2⌉) — which already meets
 * both floors — or an explicit threshold capped at n. The floors keep the documented guarantee for an
 * explicit threshold too: governance is never decided by fewer than 2f+1 validators, nor by a single
 * validator when there are two or more. A threshold above the floor (e.g. unanimity) is honoured as is.
 */
export function governanceQuorum(rule: QuorumRule, validatorCount: number): number {
  if (validatorCount <= 0) {
    return 0;
  }
  const f = faultTolerance(validatorCount);
  return Math.max(requiredApprovals(rule, validatorCount), 2 * f + 1, Math.min(2, validatorCount));
}

export function idRef(id: MemberId): string {
  return `${id.mspId}/${id.fingerprint}`;
}

/**
 * Counts a proposal's votes against the validators active now. Votes by identities that are no longer
 * validators are ignored, so removing a validator withdraws its approvals.
 *
 *   approvals = |approvers ∩ V|,  pending = |V \ (approvers ∪ rejecters)|
 *   reached    ⇔ n > 0 ∧ approvals ≥ required
 *   impossible ⇔ approvals + pending < required
 */
export function tally(
  rule: QuorumRule,
  validators: readonly MemberId[],
  approvals: readonly Vote[],
  rejections: readonly Vote[],
): Tally {
  const active = new Set(validators.map(idRef));
  const approved = new Set(approvals.map(idRef).filter((ref) => active.has(ref)));
  const rejected = new Set(rejections.map(idRef).filter((ref) => active.has(ref)));
  const n = active.size;
  const required = governanceQuorum(rule, n);
  const pending = [...active].filter((ref) => !approved.has(ref) && !rejected.has(ref)).length;
  return {
    validators: n,
    faultTolerance: faultTolerance(n),
    required,
    approvals: approved.size,
    rejections: rejected.size,
    pending,
    reached: n > 0 && approved.size >= required,
    impossible: approved.size + pending < required,
  };
}
