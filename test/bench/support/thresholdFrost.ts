/* In-process FROST baseline of the threshold benchmark (test/bench/threshold.bench.ts): no jest, no assertions. */
import { performance } from 'node:perf_hooks';
import { frost, groupPublicKey } from '../../../gateway/src/threshold/math/frostSuite';

// The gateway's @noble/curves 2.x types, named through the suite (the root's node_modules hold 1.x).
type FrostSecret = Parameters<typeof frost.signShare>[0];
type FrostPublic = Parameters<typeof groupPublicKey>[0];
type NonceCommitments = Parameters<typeof frost.signShare>[3][number];

/** Summed ms of each step over the signatures made with the same accumulator. */
export interface StepTimes {
  commit: number;
  signShare: number;
  verifyShare: number;
  aggregate: number;
  verify: number;
}

/**
 * One FROST signature in this process, as the coordinator makes it across processes: a nonce commitment from
 * each signer, a signature share from each, every share verified, aggregated, and the signature verified.
 * Adds each step's time to `steps` when given.
 */
export function inProcessSignature(
  pub: FrostPublic,
  signers: readonly FrostSecret[],
  message: Uint8Array,
  steps?: StepTimes,
): Uint8Array {
  let t = performance.now();
  const lap = (step: keyof StepTimes): void => {
    const now = performance.now();
    if (steps) steps[step] += now - t;
    t = now;
  };
  const nonces = signers.map((secret) => frost.commit(secret));
  lap('commit');
  const list: NonceCommitments[] = nonces
    .map((n) => n.commitments)
    .sort((a, b) => (a.identifier < b.identifier ? -1 : 1));
  const shares: Record<string, Uint8Array> = {};
  signers.forEach((secret, i) => {
    const nonce = nonces[i];
    if (nonce === undefined) throw new Error('no nonce');
    shares[secret.identifier] = frost.signShare(secret, pub, nonce.nonces, list, message);
  });
  lap('signShare');
  for (const [identifier, share] of Object.entries(shares)) {
    if (!frost.verifyShare(pub, list, message, identifier, share)) throw new Error('a share does not verify');
  }
  lap('verifyShare');
  const signature = frost.aggregate(pub, list, message, shares);
  lap('aggregate');
  if (!frost.verify(signature, message, groupPublicKey(pub)))
    throw new Error('the signature does not verify');
  lap('verify');
  return signature;
}
