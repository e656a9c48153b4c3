import type { Context } from 'fabric-contract-api';
import { compositeKey, ObjectType, sortableInt } from '../../lib';

export function deviceHeadKey(ctx: Context, deviceId: string): string {
  return compositeKey(ctx, ObjectType.shardMapActive, deviceId);
}

export function shardMapKey(ctx: Context, deviceId: string, epoch: number): string {
  return compositeKey(ctx, ObjectType.shardMap, deviceId, sortableInt(epoch));
}

/** One key per shard, so storing the n shards of a map never MVCC-conflicts. */
export function shardKey(ctx: Context, deviceId: string, epoch: number, shardId: string): string {
  return compositeKey(ctx, ObjectType.shard, deviceId, sortableInt(epoch), shardId);
}

/** One enrollment per device: K_dev is delivered once. */
export function enrollmentKey(ctx: Context, deviceId: string): string {
  return compositeKey(ctx, ObjectType.shardEnrollment, deviceId);
}

/** Use counter of one epoch's key, apart from the map so a use never rewrites (or conflicts with) the map. */
export function shardUseKey(ctx: Context, deviceId: string, epoch: number): string {
  return compositeKey(ctx, ObjectType.shardUse, deviceId, sortableInt(epoch));
}
