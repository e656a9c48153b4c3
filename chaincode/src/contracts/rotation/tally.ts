import { countVotes, type QuorumRule } from '../../protocol';
import type { MemberIdentity } from '../../protocol/rotation';

export interface Tally {
  /** Active validators now. */
  readonly validatorCount: number;
  /** requiredApprovals(rule, validatorCount). */
  readonly quorum: number;
  /** Approvals from currently active validators (votes of revoked validators no longer count). */
  readonly approvals: number;
  /** Rejections from currently active validators. */
  readonly rejections: number;
  /** approvals ≥ quorum (and quorum ≥ 1). */
  readonly reached: boolean;
  /** The quorum can no longer be reached: validatorCount − rejections < quorum. */
  readonly defeated: boolean;
}

/**
 * Counts the votes on a proposal against the current validator set.
 *
 *   quorum   = requiredApprovals(rule, n)          (n = active validators; BFT ⌈(n+f+1)/2⌉ ≥ 2f+1 by default)
 *   reached  = |approvals ∩ validators| ≥ quorum
 *   defeated = n − |rejections ∩ validators| < quorum
 *
 * Only votes of currently active validators count, so a revoked validator's earlier approval cannot help a
 * proposal over the line.
 */
export function tally(
  rule: QuorumRule,
  validators: readonly MemberIdentity[],
  approvals: readonly MemberIdentity[],
  rejections: readonly MemberIdentity[],
): Tally {
  const votes = countVotes(rule, validators, approvals, rejections);
  return {
    validatorCount: votes.validators,
    quorum: votes.required,
    approvals: votes.approvals,
    rejections: votes.rejections,
    reached: votes.reached,
    defeated: votes.validators - votes.rejections < votes.required,
  };
}
