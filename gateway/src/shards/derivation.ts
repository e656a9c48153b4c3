import { createHash } from 'node:crypto';
import { canonicalJson } from '@keyledger/chaincode/protocol';

/**
 * The device-key derivation scheme, as bytes — pure: no token and no ledger here, so the scheme can be read and
 * tested on its own. Every HKDF input is `label ‖ 0x00 ‖ fields`, with fixed-width big-endian integers; a
 * device id cannot hold a NUL, so no two inputs collide.
 *
 *   K_dev      = HKDF-Expand(M, "keyledger/device" ‖ 0 ‖ deviceId, 32)          M: the fleet master key (a PRK)
 *   stream_e   = HKDF-Expand(K_dev, "keyledger/stream" ‖ 0 ‖ u64(e), n·s)       s = ⌈32 / n⌉
 *   segment_i  = stream_e[i·s, (i+1)·s)
 *   K_shard,i  = HKDF-Expand(K_dev, "keyledger/shard" ‖ 0 ‖ u64(e) ‖ u16(i), 32)
 *   shard_i    = AES-256-GCM(K_shard,i, iv_i, segment_i, AAD_i)
 *   iv_i       = SHA-256("keyledger/shard-iv" ‖ 0 ‖ headerDigest ‖ u16(i))[0, 12)
 *   AAD_i      = canonical JSON {deviceId, epoch, headerDigest, index}
 *   seed_e     = (segment_0 ‖ … ‖ segment_{n−1})[0, 32)  — the epoch's one-time private key
 */

export const ONE_TIME_KEY_BYTES = 32;
export const MAX_SEGMENTS = ONE_TIME_KEY_BYTES;

const NUL = Buffer.from([0]);

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function labelled(label: string, ...fields: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(label, 'utf8'), NUL, ...fields]);
}

export function deviceKeyInfo(deviceId: string): Buffer {
  return labelled('keyledger/device', Buffer.from(deviceId, 'utf8'));
}

export function streamInfo(epoch: number): Buffer {
  return labelled('keyledger/stream', u64(epoch));
}

export function shardKeyInfo(epoch: number, index: number): Buffer {
  return labelled('keyledger/shard', u64(epoch), u16(index));
}

/**
 * The context of the ECDH key wrap that delivers K_dev: the KEK is bound to the device id, so a wrapped key
 * published for one device does not unwrap as another's.
 */
export function deviceKeyWrapContext(deviceId: string): Buffer {
  return labelled('keyledger/device-key-wrap', Buffer.from(deviceId, 'utf8'));
}

/** How an epoch's stream is cut: n segments of s bytes; the key is the first 32 bytes of their concatenation. */
export interface SegmentLayout {
  readonly n: number;
  readonly segmentBytes: number;
  readonly streamBytes: number;
}

/** n from 1 to 32: every segment holds at least one byte of the key. */
export function segmentLayout(n: number): SegmentLayout {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENTS) {
    throw new RangeError(`a one-time key is cut into 1..${MAX_SEGMENTS} shards, not ${n}`);
  }
  const segmentBytes = Math.ceil(ONE_TIME_KEY_BYTES / n);
  return { n, segmentBytes, streamBytes: segmentBytes * n };
}

export interface ShardPosition {
  readonly deviceId: string;
  readonly epoch: number;
  readonly index: number;
  /** The map header's digest (`shards.shardMapHeaderDigest`): device, epoch, n, validity and public key. */
  readonly headerDigest: string;
}

/** AAD of one shard: a shard moved to another device, epoch, position or map fails its tag. */
export function shardAad(position: ShardPosition): Buffer {
  return Buffer.from(
    canonicalJson({
      deviceId: position.deviceId,
      epoch: position.epoch,
      headerDigest: position.headerDigest,
      index: position.index,
    }),
    'utf8',
  );
}

/**
 * The shard's GCM nonce. Each shard key seals exactly one segment, and the same map header gives the same
 * nonce, so a retried publication produces byte-identical shards (the ledger sees an exact replay) and a key
 * is never used with one nonce for two different inputs.
 */
export function shardIv(position: ShardPosition): Buffer {
  return createHash('sha256')
    .update(labelled('keyledger/shard-iv', Buffer.from(position.headerDigest, 'utf8'), u16(position.index)))
    .digest()
    .subarray(0, 12);
}

export function shardIdOf(index: number): string {
  return `s${String(index).padStart(2, '0')}`;
}
