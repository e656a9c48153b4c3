import type { DKG_Round1 } from '@noble/curves/abstract/frost.js';
import { evaluateCommitment, mulBase, parsePoint, parseScalar } from './points';
import { assertShareIndex } from './shareIndex';

/**
 * Whether the round-2 share a DKG sender gave this receiver lies on the polynomial of the sender's round-1
 * VSS commitment: share·G == Σ_i index^i·C_i. noble's round3 only throws "invalid secret share" without
 * saying whose; checking each sender first lets the receiver name (and complain about) the one who cheated.
 * Malformed input is a failed check: false, never a throw.
 */
export function blameDkgShare(
  sender: DKG_Round1,
  receiverShareIndex: number,
  signingShare: Uint8Array,
): boolean {
  try {
    assertShareIndex(receiverShareIndex);
    if (!Array.isArray(sender.commitment) || sender.commitment.length === 0) return false;
    const points = sender.commitment.map((c) => parsePoint(c));
    return mulBase(parseScalar(signingShare)).equals(
      evaluateCommitment(BigInt(receiverShareIndex), points, 0),
    );
  } catch {
    return false;
  }
}
