import {
  emitEvent,
  type KeyLedgerContext,
  listByPartialKey,
  mustReadJson,
  ObjectType,
  parseId,
  readJson,
  reasonSchema,
  sortableInt,
  validate,
  writeJson,
} from '../../lib';
import { ConflictError, ForbiddenError, identityRef, NotFoundError, sameIdentity } from '../../protocol';
import type {
  DeviceEnrollment,
  DeviceHead,
  DeviceSummary,
  ShardBundle,
  ShardMap,
  ShardUseRecord,
  StoredShard,
} from '../../protocol/shards';
import { assertDeviceReader, assertPublisher, assertReader } from './access';
import {
  mustReadHead,
  parseEpoch,
  readEnrollment,
  readHead,
  readMap,
  report,
  reportedStatus,
} from './common';
import { deviceHeadKey, shardMapKey, shardUseKey } from './keys';
import { sha256HexSchema } from './schemas';

/** The active map with its stored shards and the device's enrollment: all a device reads to rebuild its key. */
export async function shardBundle(ctx: KeyLedgerContext, deviceId: string): Promise<ShardBundle> {
  const device = parseId(deviceId, 'deviceId');
  const head = await readHead(ctx, device);
  if (head?.activeEpoch === undefined) {
    const why = head?.revoked ? ` (the device was revoked: ${head.revoked.reason})` : '';
    throw new NotFoundError(`device ${device} has no active shard map${why}`);
  }
  const map = await readMap(ctx, device, head.activeEpoch);
  await assertReader(ctx, map);
  const shards = await listByPartialKey<StoredShard>(ctx, ObjectType.shard, [device, sortableInt(map.epoch)]);
  shards.sort((a, b) => a.index - b.index);
  return { map: report(map, ctx.now), shards, enrollment: await readEnrollment(ctx, device) };
}

export async function deviceEnrollment(ctx: KeyLedgerContext, deviceId: string): Promise<DeviceEnrollment> {
  const device = parseId(deviceId, 'deviceId');
  await assertDeviceReader(ctx, device, await readHead(ctx, device));
  const enrollment = await readEnrollment(ctx, device);
  if (!enrollment) {
    throw new NotFoundError(`device ${device} is not enrolled`);
  }
  return enrollment;
}

export async function deviceSummary(ctx: KeyLedgerContext, deviceId: string): Promise<DeviceSummary> {
  const device = parseId(deviceId, 'deviceId');
  const head = await mustReadHead(ctx, device);
  await assertDeviceReader(ctx, device, head);
  // map keys end in the fixed-width epoch, so the range comes back in epoch order
  const maps = await listByPartialKey<ShardMap>(ctx, ObjectType.shardMap, [device]);
  const epochs = maps.map((map) => ({
    epoch: map.epoch,
    status: reportedStatus(map, ctx.now),
    validFrom: map.validFrom,
    validUntil: map.validUntil,
    publishedAt: map.publishedAt,
    invalidatedAt: map.invalidatedAt,
    invalidatedReason: map.invalidatedReason,
    collectedAt: map.collectedAt,
    collectedShards: map.collectedShards,
  }));
  return { head, epochs, enrollment: await readEnrollment(ctx, device) };
}

/**
 * Counts a device's use of its epoch key. The same message digest as the last recorded one is taken for a retry
 * of that transaction: it returns the record unchanged (replay: true) rather than counting the use twice.
 */
export async function recordShardUse(
  ctx: KeyLedgerContext,
  deviceId: string,
  epoch: string,
  messageDigest: string,
): Promise<{ record: ShardUseRecord; replay: boolean }> {
  const device = parseId(deviceId, 'deviceId');
  const epochNumber = parseEpoch(epoch);
  const digest = validate(sha256HexSchema, messageDigest, 'messageDigest');
  const map = await readMap(ctx, device, epochNumber);
  if (map.deviceOwner !== undefined && !sameIdentity(map.deviceOwner, ctx.caller)) {
    throw new ForbiddenError(`only device ${device}'s own identity may record uses of its keys`);
  }
  const status = reportedStatus(map, ctx.now);
  if (status !== 'active') {
    throw new ConflictError(`shard map of device ${device} for epoch ${epochNumber} is ${status}`);
  }
  const key = shardUseKey(ctx, device, epochNumber);
  const previous = await readJson<ShardUseRecord>(ctx, key);
  if (previous && previous.lastMessageDigest === digest) {
    return { record: previous, replay: true };
  }
  const record: ShardUseRecord = {
    deviceId: device,
    epoch: epochNumber,
    uses: (previous?.uses ?? 0) + 1,
    firstUsedAt: previous?.firstUsedAt ?? ctx.now,
    lastUsedAt: ctx.now,
    lastMessageDigest: digest,
    lastTxId: ctx.txId,
  };
  await writeJson(ctx, key, record);
  emitEvent(ctx, 'ShardKeyUsed', {
    deviceId: device,
    epoch: epochNumber,
    messageDigest: digest,
    uses: record.uses,
  });
  return { record, replay: false };
}

export async function shardUse(
  ctx: KeyLedgerContext,
  deviceId: string,
  epoch: string,
): Promise<ShardUseRecord> {
  const device = parseId(deviceId, 'deviceId');
  const epochNumber = parseEpoch(epoch);
  await assertReader(ctx, await readMap(ctx, device, epochNumber));
  return mustReadJson<ShardUseRecord>(
    ctx,
    shardUseKey(ctx, device, epochNumber),
    `use record of device ${device}'s key for epoch ${epochNumber}`,
  );
}

/**
 * Revokes a device for good: its active map is invalidated and no map is published for it again. Returns the
 * new head.
 */
export async function revokeDevice(
  ctx: KeyLedgerContext,
  deviceId: string,
  reason: string,
): Promise<DeviceHead> {
  const device = parseId(deviceId, 'deviceId');
  const why = validate(reasonSchema, reason, 'reason');
  const head = await mustReadHead(ctx, device);
  await assertPublisher(ctx, device, head);
  if (head.revoked) {
    throw new ConflictError(`device ${device} is already revoked (${head.revoked.reason})`);
  }
  const active = head.activeEpoch === undefined ? undefined : await readMap(ctx, device, head.activeEpoch);
  const invalidated = active?.status === 'active' ? active : undefined;
  if (invalidated) {
    const next: ShardMap = {
      ...invalidated,
      status: 'invalidated',
      invalidatedAt: ctx.now,
      invalidatedReason: `device revoked: ${why}`,
      invalidatedBy: identityRef(ctx.caller),
    };
    await writeJson(ctx, shardMapKey(ctx, device, invalidated.epoch), next);
  }
  const nextHead: DeviceHead = {
    ...head,
    activeEpoch: undefined,
    updatedAt: ctx.now,
    revoked: { at: ctx.now, reason: why, by: identityRef(ctx.caller), txId: ctx.txId },
  };
  await writeJson(ctx, deviceHeadKey(ctx, device), nextHead);
  emitEvent(ctx, 'DeviceRevoked', {
    deviceId: device,
    reason: why,
    invalidatedEpoch: invalidated ? invalidated.epoch : null,
    revokedAt: ctx.now,
  });
  return nextHead;
}
