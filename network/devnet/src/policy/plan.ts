import type { DevnetEndorsementPolicy } from './policies';
import { PolicyError, type EndorsementPolicy, type PolicySubject } from './types';

/**
 * Chooses which organisations' peers to ask for endorsements when the client names none, like the
 * Fabric gateway's plan from discovery: the fewest organisations whose peers (one peer identity per
 * organisation, role peer) satisfy the policy, preferring the `preferred` ones (e.g. the client's own).
 */

/** Subsets tried exhaustively before falling back to a greedy choice (large org counts). */
const EXHAUSTIVE_BUDGET = 100_000;

export const NO_PLAN_MESSAGE = 'no combination of peers can be derived which satisfy the endorsement policy';

function peerOf(mspId: string): PolicySubject {
  return { mspId, role: 'peer', ous: ['peer'], serialized: Buffer.from(`peer0@${mspId}`) };
}

function isDevnetPolicy(policy: EndorsementPolicy): policy is DevnetEndorsementPolicy {
  return typeof (policy as Partial<DevnetEndorsementPolicy>).evaluateSubjects === 'function';
}

function* combinations(
  items: readonly string[],
  size: number,
  start = 0,
  prefix: string[] = [],
): Generator<string[]> {
  if (prefix.length === size) {
    yield prefix.slice();
    return;
  }
  for (let i = start; i <= items.length - (size - prefix.length); i++) {
    prefix.push(items[i] as string);
    yield* combinations(items, size, i + 1, prefix);
    prefix.pop();
  }
}

function greedy(
  order: readonly string[],
  satisfies: (orgs: readonly string[]) => boolean,
  preferred: ReadonlySet<string>,
): string[] | undefined {
  const chosen: string[] = [];
  for (const org of order) {
    chosen.push(org);
    if (satisfies(chosen)) break;
  }
  if (!satisfies(chosen)) return undefined;
  // Drop what is not needed, non-preferred organisations first.
  for (const org of [...chosen]
    .reverse()
    .sort((a, b) => Number(preferred.has(a)) - Number(preferred.has(b)))) {
    const without = chosen.filter((o) => o !== org);
    if (satisfies(without)) chosen.splice(chosen.indexOf(org), 1);
  }
  return chosen;
}

/**
 * A minimal list of organisations whose peers satisfy `policy`, preferred organisations first.
 * Always at least one organisation (a transaction needs an endorsement to carry its results).
 * @throws PolicyError `no combination of peers can be derived which satisfy the endorsement policy`
 *   (Fabric's gateway message) when no set of the channel's peers can, e.g. for `'Org1MSP.admin'`.
 */
export function endorsementPlan(
  policy: EndorsementPolicy,
  mspIds: readonly string[],
  preferred: readonly string[] = [],
): string[] {
  if (!isDevnetPolicy(policy))
    throw new PolicyError(
      'endorsementPlan needs a policy from parseEndorsementPolicy or policyFromSignaturePolicyEnvelope',
    );
  const known = new Set(mspIds);
  const preferredSet = new Set(preferred.filter((id) => known.has(id)));
  const order = [...new Set([...preferred.filter((id) => known.has(id)), ...mspIds])];
  const satisfies = (orgs: readonly string[]): boolean => policy.evaluateSubjects(orgs.map(peerOf));
  const withAtLeastOne = (orgs: string[]): string[] =>
    orgs.length === 0 && order.length > 0 ? [order[0] as string] : orgs;

  let budget = EXHAUSTIVE_BUDGET;
  for (let size = 0; size <= order.length; size++) {
    let best: string[] | undefined;
    let bestScore = -1;
    const maxScore = Math.min(size, preferredSet.size);
    for (const combination of combinations(order, size)) {
      if (--budget < 0) {
        const fallback = greedy(order, satisfies, preferredSet);
        if (fallback === undefined) throw new PolicyError(NO_PLAN_MESSAGE);
        return withAtLeastOne(fallback);
      }
      if (!satisfies(combination)) continue;
      const score = combination.filter((id) => preferredSet.has(id)).length;
      if (score > bestScore) {
        best = combination;
        bestScore = score;
        if (score === maxScore) break;
      }
    }
    if (best !== undefined) return withAtLeastOne(best);
  }
  throw new PolicyError(NO_PLAN_MESSAGE);
}
