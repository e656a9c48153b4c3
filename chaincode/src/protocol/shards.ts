/** Record shapes of the ShardMaps contract (capability D). All times are epoch milliseconds. */

import type { IdentityRef } from './identity';

export type { IdentityRef };

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
  /** SHA-256 (hex) of the canonical JSON of {deviceId, epoch, n, shards, validFrom, validUntil}. */
  readonly mapDigest: string;
  readonly validFrom: number;
  readonly validUntil: number;
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
