import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import type { TArg } from '@noble/curves/utils.js';
import { InsufficientSharesError } from './errors';
import { groupPublicKey } from './frostSuite';
import { mulBase, parsePoint, parseScalar } from './points';
import { identifierOf } from './shareIndex';
import { wipe } from './wipe';

/** One share as a holder hands it in. */
export interface IndexedShare {
  readonly shareIndex: number;
  /** 32-byte little-endian scalar. Not modified and not retained. */
  readonly signingShare: Uint8Array;
}

/** The reconstructed group signing key and which shares it came from. */
export interface Reconstruction {
  /** The group signing key scalar, 32 bytes little-endian. The caller owns it and must wipe it. */
  readonly secret: Uint8Array;
  /** Share indices combined (the first t valid ones, in input order). */
  readonly used: number[];
  /** Share indices that failed verification (or were not share indices at all), in input order. */
  readonly rejected: number[];
}

/**
 * A share is good only if it is on the key's commitment polynomial (RFC 9591 vss_verify, via validateSecret)
 * AND matches that participant's published verifying share: a share for an index outside the key set, or one
 * the public package disagrees with, is not trusted to reconstruct the key.
 */
function isValidShare(share: IndexedShare, pub: FrostPublic): boolean {
  try {
    const secret: TArg<FrostSecret> = {
      identifier: identifierOf(share.shareIndex),
      signingShare: share.signingShare,
    };
    ed25519_FROST.validateSecret(secret, pub);
    const verifying = pub.verifyingShares[secret.identifier];
    if (verifying === undefined) return false;
    return mulBase(parseScalar(share.signingShare)).equals(parsePoint(verifying));
  } catch {
    return false;
  }
}

/**
 * Reconstructs the group secret from shares, each verified against `pub` first so that one bad share is
 * named and skipped instead of silently yielding a wrong key. Combines the first t valid shares (a second
 * copy of an already-accepted index adds nothing and is ignored). Throws InsufficientSharesError if fewer
 * than t are valid. Creates no share buffers of its own: the inputs are read in place and left as they are.
 */
export function reconstructVerified(shares: readonly IndexedShare[], pub: FrostPublic): Reconstruction {
  const required = pub.signers.min;
  const used: number[] = [];
  const rejected: number[] = [];
  const valid = new Set<number>();
  const chosen: TArg<FrostSecret>[] = [];
  for (const share of shares) {
    if (!isValidShare(share, pub)) {
      rejected.push(share.shareIndex);
      continue;
    }
    // A valid share of an index is unique (share·G is fixed), so a second copy adds nothing.
    if (valid.has(share.shareIndex)) continue;
    valid.add(share.shareIndex);
    if (chosen.length < required) {
      used.push(share.shareIndex);
      chosen.push({ identifier: identifierOf(share.shareIndex), signingShare: share.signingShare });
    }
  }
  if (chosen.length < required) throw new InsufficientSharesError({ valid: valid.size, required, rejected });

  const secret = ed25519_FROST.combineSecret(chosen, { min: required, max: pub.signers.max });
  // Valid shares cannot combine to another key; checking anyway costs one multiplication and turns a bug
  // (a broken public package, a library change) into an error rather than a wrong key handed out.
  if (!mulBase(parseScalar(secret)).equals(parsePoint(groupPublicKey(pub)))) {
    wipe(secret);
    throw new Error('reconstructed secret does not match the group public key');
  }
  return { secret, used, rejected };
}
