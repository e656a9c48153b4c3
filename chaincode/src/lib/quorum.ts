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
