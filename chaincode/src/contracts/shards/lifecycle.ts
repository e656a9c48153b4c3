import {
  emitEvent,
  type KeyLedgerContext,
  listByPartialKey,
  ObjectType,
  parseId,
  reasonSchema,
  sortableInt,
  validate,
  writeJson,
} from '../../lib';
import { ConflictError, ForbiddenError, identityRef, NotFoundError, sameIdentity } from '../../protocol';
import type { ShardMap } from '../../protocol/shards';
import { assertPublisher } from './access';
import { parseEpoch, readHead, readMap } from './common';
import { deviceHeadKey, shardMapKey } from './keys';

/**
 * Invalidates one epoch of a device (e.g. device lost, shard exposed). Admin, a provider of the publishing org,
 * or the device owner bound to the map.
 */
export async function invalidateEpoch(
  ctx: KeyLedgerContext,
  deviceId: string,
  epoch: string,
  reason: string,
): Promise<ShardMap> {
  const device = parseId(deviceId, 'deviceId');
  const epochNumber = parseEpoch(epoch);
  const why = validate(reasonSchema, reason, 'reason');
  const map = await readMap(ctx, device, epochNumber);
  const head = await readHead(ctx, device);
  if (!sameIdentity(map.deviceOwner, ctx.caller)) {
    const roles = await ctx.roles();
    if (!roles.has('admin') && !roles.has('provider')) {
      throw new ForbiddenError(
        `only device ${device}'s owner, its publishing provider or an admin may invalidate its epochs`,
      );
    }
    await assertPublisher(ctx, device, head);
  }
  if (map.status !== 'active') {
    throw new ConflictError(
      `epoch ${epochNumber} of device ${device} is already invalidated (${map.invalidatedReason ?? ''})`,
    );
  }
  const next: ShardMap = {
    ...map,
    status: 'invalidated',
    invalidatedAt: ctx.now,
    invalidatedReason: why,
    invalidatedBy: identityRef(ctx.caller),
  };
  await writeJson(ctx, shardMapKey(ctx, device, epochNumber), next);
  if (head && head.activeEpoch === epochNumber) {
    await writeJson(ctx, deviceHeadKey(ctx, device), { ...head, activeEpoch: undefined, updatedAt: ctx.now });
  }
  emitEvent(ctx, 'EpochInvalidated', {
    deviceId: device,
    epoch: epochNumber,
    reason: why,
    invalidatedAt: ctx.now,
  });
  return next;
}

export interface CollectionResult {
  readonly deviceId: string;
  readonly deleted: number;
  /** The epochs whose shards were deleted in this call. */
  readonly epochs: number[];
  /** The cutoff applied (epoch ms), null for none. */
  readonly invalidatedBefore: number | null;
}

/**
 * Deletes the stored shards of every invalidated epoch of a device not collected before — only those
 * invalidated at or before `invalidatedBefore` when given, so the generator can keep a retention window — and
 * marks those maps collected.
 */
export async function collectShards(
  ctx: KeyLedgerContext,
  deviceId: string,
  invalidatedBefore: number | undefined,
): Promise<CollectionResult> {
  const device = parseId(deviceId, 'deviceId');
  const head = await readHead(ctx, device);
  if (!head) {
    throw new NotFoundError(`device ${device} has no shard maps`);
  }
  await assertPublisher(ctx, device, head);
  const maps = await listByPartialKey<ShardMap>(ctx, ObjectType.shardMap, [device]);
  let deleted = 0;
  const epochs: number[] = [];
  for (const map of maps) {
    if (map.status !== 'invalidated' || map.collectedAt !== undefined) {
      continue;
    }
    // an invalidated map always has invalidatedAt; the fallback only keeps a malformed record out of the cut
    if (
      invalidatedBefore !== undefined &&
      (map.invalidatedAt ?? Number.MAX_SAFE_INTEGER) > invalidatedBefore
    ) {
      continue;
    }
    let count = 0;
    for await (const entry of ctx.stub.getStateByPartialCompositeKey(ObjectType.shard, [
      device,
      sortableInt(map.epoch),
    ])) {
      await ctx.stub.deleteState(entry.key);
      count += 1;
    }
    await writeJson(ctx, shardMapKey(ctx, device, map.epoch), {
      ...map,
      collectedAt: ctx.now,
      collectedShards: count,
    });
    deleted += count;
    if (count > 0) {
      epochs.push(map.epoch);
    }
  }
  const outcome: CollectionResult = {
    deviceId: device,
    deleted,
    epochs,
    invalidatedBefore: invalidatedBefore ?? null,
  };
  emitEvent(ctx, 'ShardsCollected', { ...outcome });
  return outcome;
}
