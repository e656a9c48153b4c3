import { memberRef, requiredApprovals, type QuorumRule } from '../../lib';
import type { MemberIdentity } from './types';

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
  const active = new Set(validators.map(memberRef));
  const validatorCount = active.size;
  const quorum = requiredApprovals(rule, validatorCount);
  const approving = new Set(approvals.map(memberRef).filter((ref) => active.has(ref))).size;
  const rejecting = new Set(rejections.map(memberRef).filter((ref) => active.has(ref))).size;
  return {
    validatorCount,
    quorum,
    approvals: approving,
    rejections: rejecting,
    reached: quorum >= 1 && approving >= quorum,
    defeated: validatorCount - rejecting < quorum,
  };
}
