import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { shards } from '@keyledger/chaincode/protocol';
import { ONE_TIME_KEY_BYTES } from './derivation';

export type OneTimeKeyAlgorithm = shards.ShardKeyAlgorithm;

// Fixed DER prefixes: PKCS#8 for an Ed25519 seed (RFC 8410), SEC1 ECPrivateKey for a P-256 scalar (RFC 5915,
// no public key: OpenSSL computes it), and the SPKI headers of both public keys.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const P256_SEC1_HEAD = Buffer.from('30310201010420', 'hex');
const P256_SEC1_TAIL = Buffer.from('a00a06082a8648ce3d030107', 'hex');
const P256_SPKI = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

export const PUBLIC_KEY_BYTES: Readonly<Record<OneTimeKeyAlgorithm, number>> = { Ed25519: 32, ES256: 65 };

/** An epoch's one-time key in process memory, for one signature: `wipe` it as soon as it has signed. */
export interface OneTimeKey {
  readonly algorithm: OneTimeKeyAlgorithm;
  /** Raw public key: 32 bytes (Ed25519) or the uncompressed point 04‖X‖Y (ES256). */
  readonly publicKey: Buffer;
  sign(message: Uint8Array): Buffer;
  /** Zeroes the seed; the key can no longer sign. */
  wipe(): void;
}

/**
 * Whether 32 bytes are a private key of the algorithm: any seed is an Ed25519 key; a P-256 scalar must be in
 * [1, n−1] (a stream outside happens with probability below 2⁻³², and the generator then skips the epoch).
 */
export function isUsableSeed(algorithm: OneTimeKeyAlgorithm, seed: Uint8Array): boolean {
  if (seed.length !== ONE_TIME_KEY_BYTES) {
    return false;
  }
  if (algorithm === 'Ed25519') {
    return true;
  }
  return !Buffer.from(seed).equals(Buffer.alloc(32)) && Buffer.compare(Buffer.from(seed), P256_ORDER) < 0;
}

function privateKeyOf(algorithm: OneTimeKeyAlgorithm, seed: Buffer): KeyObject {
  const der =
    algorithm === 'Ed25519'
      ? Buffer.concat([ED25519_PKCS8, seed])
      : Buffer.concat([P256_SEC1_HEAD, seed, P256_SEC1_TAIL]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: algorithm === 'Ed25519' ? 'pkcs8' : 'sec1' });
  } finally {
    der.fill(0);
  }
}

function rawPublicKey(algorithm: OneTimeKeyAlgorithm, key: KeyObject): Buffer {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki.subarray(spki.length - PUBLIC_KEY_BYTES[algorithm]));
}

/**
 * The one-time key of a reconstructed seed. Node keeps its own copy of the key inside OpenSSL, out of reach of
 * a wipe; it is dropped with the KeyObject, which lives only as long as this object is referenced.
 */
export function oneTimeKeyFromSeed(algorithm: OneTimeKeyAlgorithm, seed: Buffer): OneTimeKey {
  if (!isUsableSeed(algorithm, seed)) {
    seed.fill(0);
    throw new RangeError(`the reconstructed seed is not a ${algorithm} private key`);
  }
  let privateKey: KeyObject | undefined = privateKeyOf(algorithm, seed);
  const publicKey = rawPublicKey(algorithm, privateKey);
  return {
    algorithm,
    publicKey,
    sign(message: Uint8Array): Buffer {
      if (!privateKey) {
        throw new Error('the one-time key was wiped');
      }
      return algorithm === 'Ed25519'
        ? sign(null, message, privateKey)
        : sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    },
    wipe(): void {
      seed.fill(0);
      privateKey = undefined;
    },
  };
}

export function publicKeyObject(algorithm: OneTimeKeyAlgorithm, raw: Uint8Array): KeyObject {
  if (raw.length !== PUBLIC_KEY_BYTES[algorithm] || (algorithm === 'ES256' && raw[0] !== 0x04)) {
    throw new RangeError(`not a raw ${algorithm} public key (${raw.length} bytes)`);
  }
  const spki = Buffer.concat([algorithm === 'Ed25519' ? ED25519_SPKI : P256_SPKI, raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** A device signature checked against an epoch's public key, with plain node:crypto. */
export function verifyOneTimeSignature(
  algorithm: OneTimeKeyAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = publicKeyObject(algorithm, publicKey);
  try {
    return algorithm === 'Ed25519'
      ? verify(null, message, key, signature)
      : verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
