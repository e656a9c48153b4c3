import { createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import type { FrostPublic } from '@noble/curves/abstract/frost.js';
import { ownedBytes, parsePointHex } from './points';
import { identifierOf, MAX_SHARE_INDEX, parseShareIndexKey, shareIndexOf } from './shareIndex';

export { identifierOf, shareIndexOf } from './shareIndex';

/** The one ciphersuite KeyLedger uses: FROST(Ed25519, SHA-512), RFC 9591 — its signatures are plain Ed25519. */
export const frost = ed25519_FROST;

/** A FROST public package as the ledger stores it: hex points, verifying shares keyed by decimal share index. */
export interface LedgerPublic {
  /** Feldman commitments, lowercase hex; `commitments[0]` is the group public key. */
  readonly commitments: string[];
  /** Verifying share (share·G, lowercase hex) of each participant, keyed by decimal share index. */
  readonly verifyingShares: Record<string, string>;
}

/** {@link LedgerPublic} with the threshold: t signers of n participants. */
export interface LedgerPublicInput extends LedgerPublic {
  readonly t: number;
  readonly n: number;
}

/**
 * Converts the ledger's public package to noble's. Every point is decoded (and refused if not a prime-order,
 * non-identity point) so a bad ledger record fails here, with a RangeError naming it, not deep inside signing.
 * There must be t commitments and exactly n verifying shares.
 */
export function publicPackage(input: LedgerPublicInput): FrostPublic {
  const { t, n, commitments, verifyingShares } = input;
  if (!Number.isInteger(t) || !Number.isInteger(n) || t < 2 || t > n || n > MAX_SHARE_INDEX) {
    throw new RangeError(`need integers 2 ≤ t ≤ n ≤ ${MAX_SHARE_INDEX}, got t=${String(t)} n=${String(n)}`);
  }
  if (commitments.length !== t) throw new RangeError(`expected ${t} commitments, got ${commitments.length}`);
  const entries = Object.entries(verifyingShares);
  if (entries.length !== n) throw new RangeError(`expected ${n} verifying shares, got ${entries.length}`);
  const pointBytes = (hex: string, what: string): Uint8Array<ArrayBuffer> => {
    try {
      return ownedBytes(parsePointHex(hex).toBytes());
    } catch (cause) {
      throw new RangeError(`${what} is not a valid point`, { cause });
    }
  };
  return {
    signers: { min: t, max: n },
    commitments: commitments.map((hex, j) => pointBytes(hex, `commitment ${j}`)),
    verifyingShares: Object.fromEntries(
      entries.map(([key, hex]) => [
        identifierOf(parseShareIndexKey(key)),
        pointBytes(hex, `verifying share ${key}`),
      ]),
    ),
  };
}

/** The inverse of {@link publicPackage} (without t and n, which the ledger keeps beside it). */
export function ledgerForm(pub: FrostPublic): LedgerPublic {
  const shares = Object.entries(pub.verifyingShares)
    .map(([identifier, point]) => [shareIndexOf(identifier), Buffer.from(point).toString('hex')] as const)
    .sort(([a], [b]) => a - b);
  return {
    commitments: pub.commitments.map((c) => Buffer.from(c).toString('hex')),
    verifyingShares: Object.fromEntries(shares.map(([index, hex]) => [String(index), hex])),
  };
}

/** The group public key (32-byte Edwards encoding, a copy): the constant-term commitment. */
export function groupPublicKey(pub: FrostPublic): Uint8Array {
  const key = pub.commitments[0];
  if (key === undefined || key.length !== 32) throw new RangeError('public package has no group key');
  return Uint8Array.from(key);
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { AlgorithmIdentifier 1.3.101.112, BIT STRING }. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A node:crypto public key for a raw 32-byte Ed25519 key, so node's verify() checks FROST signatures. */
export function ed25519PublicKeyObject(point: Uint8Array): KeyObject {
  if (!(point instanceof Uint8Array) || point.length !== 32)
    throw new RangeError('expected a 32-byte Ed25519 key');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, point]), format: 'der', type: 'spki' });
}
