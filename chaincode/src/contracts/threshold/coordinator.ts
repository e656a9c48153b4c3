import { sha256Hex } from '../../protocol';

/** Anything the draw can rank: an id and a trust score. */
export interface Ranked {
  readonly moduleId: string;
  readonly score: number;
}

/** Orders candidates as sessions store them: score descending, then moduleId ascending (code-point order). */
export function orderEligible<T extends Ranked>(modules: readonly T[]): T[] {
  return [...modules].sort((a, b) =>
    a.score !== b.score ? b.score - a.score : a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0,
  );
}

/** Weight of a candidate in the draw: its score, but at least 1 so a score-0 module (minTrust 0) stays drawable. */
export function drawWeight(score: number): number {
  return Math.max(1, score);
}

/**
 * The draw value `r = SHA-256(txId ‖ sessionId) mod total`: the digest of the UTF-8 bytes of the transaction id
 * followed directly by those of the session id, read as a big-endian unsigned integer. Fabric tx ids are
 * 64 hex characters, so the concatenation is unambiguous.
 */
export function drawValue(txId: string, sessionId: string, total: number): number {
  const digest = sha256Hex(`${txId}${sessionId}`);
  return Number(BigInt(`0x${digest}`) % BigInt(total));
}

/**
 * Picks the session coordinator deterministically, weighted toward trusted modules.
 *
 * Candidates are ordered by (score desc, moduleId asc); each has weight `max(score, 1)`; with
 * `total = Σ weights` and `r = SHA-256(txId ‖ sessionId) mod total`, the coordinator is the first candidate
 * whose cumulative weight exceeds `r`. So a module is chosen with probability weight / total: higher scores
 * coordinate more often, yet every eligible module can be chosen, and nobody can steer the choice without
 * grinding transaction ids (which are bound to the submitter's nonce and signature). The modulo bias of a 256-bit
 * value reduced mod at most 255 000 is below 2^-237. Every endorser computes the same answer from the same
 * committed scores and tx id.
 */
export function chooseCoordinator<T extends Ranked>(
  modules: readonly T[],
  txId: string,
  sessionId: string,
): T {
  const ordered = orderEligible(modules);
  const [first] = ordered;
  if (first === undefined) {
    throw new RangeError('chooseCoordinator needs at least one candidate');
  }
  const total = ordered.reduce((sum, candidate) => sum + drawWeight(candidate.score), 0);
  const r = drawValue(txId, sessionId, total);
  let cumulative = 0;
  const chosen = ordered.find((candidate) => {
    cumulative += drawWeight(candidate.score);
    return r < cumulative;
  });
  // r < total, the last cumulative weight, so `find` always succeeds; `first` only satisfies the type checker.
  return chosen ?? first;
}
