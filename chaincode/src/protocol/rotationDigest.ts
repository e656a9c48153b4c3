import { canonicalBytes } from './canonical';
import { sha256Hex } from './hash';
import { identityRef } from './identity';
import type { MemberIdentity, RotationReason, WrappedKey } from './rotation';

/**
 * What validators sign. The proposal digest is
 *
 *   digest = hex( SHA-256( canonicalJson({ queueId, version, keyId, keyCheckValue, wrappedKeys, notBefore,
 *                                          reason, proposer: { mspId, fingerprint } }) ) )
 *
 * with `wrappedKeys` sorted by (mspId, fingerprint) in UTF-8 byte order and canonical JSON as in
 * `lib/canonical.ts` (sorted keys, no whitespace, absent optional members omitted). Approvers and front-ends
 * recompute it from the stored proposal; a signature "over the digest" is an ECDSA/RSA signature with SHA-256
 * over {@link digestPayload} (so SHA-256 of the signed message equals the digest).
 */
export interface DigestInput {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly wrappedKeys: readonly WrappedKey[];
  readonly notBefore: number;
  readonly reason: RotationReason;
  readonly proposer: MemberIdentity;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Recipients in the canonical order used by the digest and stored on the proposal. */
export function sortWrappedKeys(wrappedKeys: readonly WrappedKey[]): WrappedKey[] {
  return [...wrappedKeys]
    .map((entry) => ({
      mspId: entry.mspId,
      fingerprint: entry.fingerprint,
      wrappedKey: entry.wrappedKey,
      ephemeralPublicKey: entry.ephemeralPublicKey,
    }))
    .sort((a, b) => byteCompare(a.mspId, b.mspId) || byteCompare(a.fingerprint, b.fingerprint));
}

/** The exact bytes a validator signs. */
export function digestPayload(input: DigestInput): Buffer {
  return Buffer.from(
    canonicalBytes({
      queueId: input.queueId,
      version: input.version,
      keyId: input.keyId,
      keyCheckValue: input.keyCheckValue,
      wrappedKeys: sortWrappedKeys(input.wrappedKeys),
      notBefore: input.notBefore,
      reason: input.reason,
      proposer: identityRef(input.proposer),
    }),
  );
}

export function proposalDigest(input: DigestInput): string {
  return sha256Hex(digestPayload(input));
}
