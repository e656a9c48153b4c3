/** Record shapes of the ShardMaps contract (capability D). All times are epoch milliseconds. */

import { canonicalJson } from './canonical';
import { sha256Hex } from './hash';
import type { IdentityRef } from './identity';

export type { IdentityRef };

/** Signature algorithms of a device's per-epoch key, whose private half the shards carry. */
export type ShardKeyAlgorithm = 'Ed25519' | 'ES256';
export const SHARD_KEY_ALGORITHMS = ['Ed25519', 'ES256'] as const satisfies readonly ShardKeyAlgorithm[];

/** One segment of a device's one-time key, as the map lists it: no key material, only the digest. */
export interface ShardEntry {
  readonly shardId: string;
  readonly index: number;
  /** Lower-case hex SHA-256 of the ENCRYPTED shard. */
  readonly digest: string;
}

export type StoredMapStatus = 'active' | 'invalidated';
/** What reads report: an active map past its validUntil is reported as 'expired'. */
export type ReportedMapStatus = StoredMapStatus | 'expired';

export interface ShardMap {
  readonly deviceId: string;
  readonly epoch: number;
  readonly n: number;
  /** Sorted by index 0..n-1. */
  readonly shards: ShardEntry[];
  /**
   * {@link shardMapDigest}: SHA-256 (hex) of the canonical JSON of {deviceId, epoch, n, shards, validFrom,
   * validUntil} plus algorithm and publicKey when the map has them.
   */
  readonly mapDigest: string;
  /** {@link shardMapHeaderDigest}: the map without its shard list — what each shard's AES-GCM AAD binds. */
  readonly headerDigest: string;
  readonly validFrom: number;
  readonly validUntil: number;
  /** The epoch key's algorithm and raw public key (base64url), for maps published with PublishEpoch. */
  readonly algorithm?: ShardKeyAlgorithm;
  /** 32 bytes for Ed25519; the 65-byte uncompressed point 04‖X‖Y for ES256. base64url, no padding. */
  readonly publicKey?: string;
  readonly status: StoredMapStatus;
  readonly publishedAt: number;
  readonly publishedBy: IdentityRef;
  readonly txId: string;
  /** The device identity entitled to read the map and invalidate it, when one is bound. */
  readonly deviceOwner?: IdentityRef;
  readonly invalidatedAt?: number;
  /** 'superseded' when a later epoch replaced it, else the reason given to InvalidateEpoch. */
  readonly invalidatedReason?: string;
  readonly invalidatedBy?: IdentityRef;
  readonly supersededBy?: number;
  /** Set when GarbageCollectShards deleted (or found no) stored shards of this invalidated epoch. */
  readonly collectedAt?: number;
  readonly collectedShards?: number;
}

/** Per-device head: which epoch is active and the highest epoch ever published (epochs only go up). */
export interface DeviceHead {
  readonly deviceId: string;
  readonly latestEpoch: number;
  readonly activeEpoch?: number;
  /** The organisation whose providers publish this device's maps (the first publisher's MSP). */
  readonly publisherMspId: string;
  readonly deviceOwner?: IdentityRef;
  readonly updatedAt: number;
  /** Whether the device's key K_dev has been delivered (a {@link DeviceEnrollment} exists). */
  readonly enrolled?: boolean;
  /** Set by RevokeDevice: a revoked device gets no further maps and has no active one. */
  readonly revoked?: DeviceRevocation;
}

export interface DeviceRevocation {
  readonly at: number;
  readonly reason: string;
  readonly by: IdentityRef;
  readonly txId: string;
}

/** An encrypted shard as stored: opaque ciphertext (base64) plus its digest. */
export interface StoredShard {
  readonly deviceId: string;
  readonly epoch: number;
  readonly shardId: string;
  readonly index: number;
  readonly digest: string;
  readonly ciphertext: string;
  readonly storedAt: number;
  readonly storedBy: IdentityRef;
}

/** What both map digests cover, apart from the shard list. Optional fields are omitted when absent. */
export interface ShardMapHeader {
  readonly deviceId: string;
  readonly epoch: number;
  readonly n: number;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly algorithm?: ShardKeyAlgorithm;
  readonly publicKey?: string;
}

function headerFields(header: ShardMapHeader): ShardMapHeader {
  // Only the header's own fields: a whole ShardMap passed as the header must digest the same as its header.
  return {
    deviceId: header.deviceId,
    epoch: header.epoch,
    n: header.n,
    validFrom: header.validFrom,
    validUntil: header.validUntil,
    algorithm: header.algorithm,
    publicKey: header.publicKey,
  };
}

/**
 * SHA-256 (hex) of the canonical JSON of the map header. The gateway encrypts each shard with AES-GCM and puts
 * this digest in the AAD, binding a shard to its device, epoch, validity and public key. The AAD cannot carry the
 * full {@link shardMapDigest}: that one covers the digests of the shard ciphertexts, which depend on the AAD —
 * a cycle. The full digest then binds the ciphertexts to the header.
 */
export function shardMapHeaderDigest(header: ShardMapHeader): string {
  return sha256Hex(canonicalJson(headerFields(header)));
}

/**
 * SHA-256 (hex) of the canonical JSON of the header plus `shards` sorted by index: the map's `mapDigest`. Without
 * algorithm and publicKey it is the digest maps have always had ({deviceId, epoch, n, shards, validFrom,
 * validUntil}); canonical JSON omits the absent fields, so the field names must stay as they are.
 */
export function shardMapDigest(header: ShardMapHeader, shards: readonly ShardEntry[]): string {
  const sorted = [...shards]
    .sort((a, b) => a.index - b.index)
    .map((shard) => ({ shardId: shard.shardId, index: shard.index, digest: shard.digest }));
  return sha256Hex(canonicalJson({ ...headerFields(header), shards: sorted }));
}

/**
 * How the shard generator delivers the device's key K_dev: wrapped (RFC 5649) under a key agreed between an
 * ephemeral P-256 key and the device's own P-256 key, so only the device can unwrap it. Nothing here is secret.
 */
export interface DeviceEnrollment {
  readonly deviceId: string;
  /** base64url of the device's 65-byte uncompressed P-256 point. */
  readonly devicePublicKey: string;
  /** base64url of the generator's ephemeral 65-byte uncompressed P-256 point. */
  readonly ephemeralPublicKey: string;
  /** base64url of the RFC 5649 key-wrap output (40 bytes for a 32-byte K_dev). */
  readonly wrappedKey: string;
  /** 6 lower-case hex characters that let the device check the unwrapped key. */
  readonly keyCheckValue: string;
  readonly enrolledAt: number;
  readonly enrolledBy: IdentityRef;
  readonly txId: string;
}

/** An active map's status as reads report it, with 'expired' past validUntil. */
export type ReportedShardMap = Omit<ShardMap, 'status'> & { readonly status: ReportedMapStatus };

/** GetShardBundle: what a device needs to rebuild its epoch key, in one read. */
export interface ShardBundle {
  readonly map: ReportedShardMap;
  /** Sorted by index. */
  readonly shards: StoredShard[];
  readonly enrollment?: DeviceEnrollment;
}

/** How often a device reported using an epoch's key (RecordShardUse). */
export interface ShardUseRecord {
  readonly deviceId: string;
  readonly epoch: number;
  readonly uses: number;
  readonly firstUsedAt: number;
  readonly lastUsedAt: number;
  /** Lower-case hex SHA-256 of the last message the key was used for. */
  readonly lastMessageDigest: string;
  readonly lastTxId: string;
}

/** One epoch of a device, as GetDevice lists it: the map record without its shard list. */
export interface DeviceEpochSummary {
  readonly epoch: number;
  readonly status: ReportedMapStatus;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly publishedAt: number;
  readonly invalidatedAt?: number;
  readonly invalidatedReason?: string;
  readonly collectedAt?: number;
  readonly collectedShards?: number;
}

export interface DeviceSummary {
  readonly head: DeviceHead;
  /** Ascending by epoch. */
  readonly epochs: DeviceEpochSummary[];
  readonly enrollment?: DeviceEnrollment;
}
