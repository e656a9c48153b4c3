import { countVotes, faultTolerance, type QuorumRule } from '../../protocol';
import type { MemberId, Tally, Vote } from '../../protocol/governance';

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
  const votes = countVotes(rule, validators, approvals, rejections);
  return {
    validators: votes.validators,
    faultTolerance: faultTolerance(votes.validators),
    required: votes.required,
    approvals: votes.approvals,
    rejections: votes.rejections,
    pending: votes.pending,
    reached: votes.reached,
    impossible: votes.approvals + votes.pending < votes.required,
  };
}
