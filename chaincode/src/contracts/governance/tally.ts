import { faultTolerance, memberRef, requiredApprovals, type QuorumRule } from '../../lib';
import type { MemberId, Tally, Vote } from './types';

/** Proposals stay open for seven days of transaction time. */
export const PROPOSAL_TTL_MILLIS = 7 * 24 * 60 * 60 * 1000;

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
  const active = new Set(validators.map(memberRef));
  const approved = new Set(approvals.map(memberRef).filter((ref) => active.has(ref)));
  const rejected = new Set(rejections.map(memberRef).filter((ref) => active.has(ref)));
  const n = active.size;
  const required = requiredApprovals(rule, n);
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
