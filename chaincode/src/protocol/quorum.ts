import { memberRef, type IdentityRef } from './identity';

/**
 * Quorum rules for a set of n validators tolerating f = ⌊(n−1)/3⌋ byzantine members.
 *
 * The textbook 2f+1 is the quorum when n = 3f+1. For other n it is too small: with n = 3 it is 1 (one
 * validator would decide alone) and with n = 5 two quorums of 3 may overlap in a single, possibly
 * byzantine, validator. The general BFT quorum ⌈(n+f+1)/2⌉ (the one SmartBFT uses) makes any two quorums
 * share at least f+1 validators, hence one honest; it equals 2f+1 whenever n = 3f+1. We take the larger of
 * the two so the rule is never weaker than 2f+1.
 */
export function faultTolerance(validatorCount: number): number {
  return validatorCount <= 0 ? 0 : Math.floor((validatorCount - 1) / 3);
}

export function bftQuorum(validatorCount: number): number {
  if (validatorCount <= 0) {
    return 0;
  }
  const f = faultTolerance(validatorCount);
  return Math.max(2 * f + 1, Math.ceil((validatorCount + f + 1) / 2));
}

export type QuorumRule =
  { readonly kind: 'bft' } | { readonly kind: 'threshold'; readonly threshold: number };

/**
 * The number of distinct validator approvals needed, for every decision of every contract.
 *
 *   bft:        bftQuorum(n)
 *   threshold:  max(min(threshold, n), 2f+1, min(2, n))
 *
 * An explicit threshold larger than the set is capped at n, so shrinking the set never makes every proposal
 * impossible; and it never goes below 2f+1, nor below two when there are two or more validators, so a
 * governance-set threshold cannot weaken the guarantee that no single validator decides alone.
 */
export function requiredApprovals(rule: QuorumRule, validatorCount: number): number {
  if (validatorCount <= 0) {
    return 0;
  }
  if (rule.kind === 'threshold') {
    const floor = Math.max(2 * faultTolerance(validatorCount) + 1, Math.min(2, validatorCount));
    return Math.max(Math.min(rule.threshold, validatorCount), floor);
  }
  return bftQuorum(validatorCount);
}

/** Votes on a decision, counted against the validator set as it is now. */
export interface VoteCount {
  /** Active validators (n). */
  readonly validators: number;
  /** requiredApprovals(rule, n). */
  readonly required: number;
  /** Distinct active validators that approved. */
  readonly approvals: number;
  /** Distinct active validators that rejected. */
  readonly rejections: number;
  /** Active validators that have voted neither way. */
  readonly pending: number;
  /** approvals ≥ required, with at least one validator (an empty set decides nothing). */
  readonly reached: boolean;
}

/**
 * Counts votes for every contract that decides by validator quorum. Only votes of validators active now count,
 * each once: removing a validator withdraws its votes, so a revoked validator's earlier approval cannot carry a
 * proposal over the line, and naming oneself twice counts once.
 */
export function countVotes(
  rule: QuorumRule,
  validators: readonly IdentityRef[],
  approvals: readonly IdentityRef[],
  rejections: readonly IdentityRef[],
): VoteCount {
  const active = new Set(validators.map(memberRef));
  const approved = new Set(approvals.map(memberRef).filter((ref) => active.has(ref)));
  const rejected = new Set(rejections.map(memberRef).filter((ref) => active.has(ref)));
  const required = requiredApprovals(rule, active.size);
  return {
    validators: active.size,
    required,
    approvals: approved.size,
    rejections: rejected.size,
    pending: [...active].filter((ref) => !approved.has(ref) && !rejected.has(ref)).length,
    reached: active.size > 0 && approved.size >= required,
  };
}
