import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  emitEvent,
  KeyLedgerContext,
  KeyLedgerContract,
  listByPartialKey,
  mustReadJson,
  ObjectType,
  parseId,
  parseIntArg,
  parseJsonArg,
  readJson,
  reasonSchema,
  requireRole,
  result,
  sortableInt,
  validate,
  writeJson,
} from '../../lib';
import {
  canonicalJson,
  ConflictError,
  ForbiddenError,
  identityRef,
  NotFoundError,
  sameIdentity,
  sha256Hex,
  ValidationError,
} from '../../protocol';
import { assertPublisher, assertReader } from './access';
import { deviceHeadKey, shardKey, shardMapKey } from './keys';
import { publishShardMapSchema, putShardSchema } from './schemas';
import type { DeviceHead, ReportedMapStatus, ShardMap, StoredShard } from '../../protocol/shards';

const READERS = ['admin', 'auditor', 'provider', 'device'] as const;

/** The status a read reports: an active map whose validity has ended is 'expired'. */
function reportedStatus(map: ShardMap, now: number): ReportedMapStatus {
  return map.status === 'active' && map.validUntil < now ? 'expired' : map.status;
}

function report(map: ShardMap, now: number): Omit<ShardMap, 'status'> & { status: ReportedMapStatus } {
  return { ...map, status: reportedStatus(map, now) };
}

async function readHead(ctx: KeyLedgerContext, deviceId: string): Promise<DeviceHead | undefined> {
  return readJson<DeviceHead>(ctx, deviceHeadKey(ctx, deviceId));
}

async function readMap(ctx: KeyLedgerContext, deviceId: string, epoch: number): Promise<ShardMap> {
  return mustReadJson<ShardMap>(
    ctx,
    shardMapKey(ctx, deviceId, epoch),
    `shard map of device ${deviceId} for epoch ${epoch}`,
  );
}

function parseEpoch(raw: string): number {
  return parseIntArg(raw, 'epoch', 0, Number.MAX_SAFE_INTEGER);
}

/**
 * ShardMaps — capability D: per-device, per-epoch maps of encrypted key shards.
 *
 * A shard generator beside a key provider's HSM derives a device's one-time key, cuts it into n segments,
 * encrypts each under a key derived from its master key and the index, and publishes the map: shard ids and
 * the SHA-256 of each ENCRYPTED shard, n and a validity period. The encrypted shards are stored next to the map
 * and must hash to the published digests; the device fetches map and shards, checks the digests, decrypts and
 * reassembles. Epochs only go up: publishing epoch k supersedes (invalidates) the active one, a past or equal
 * epoch is refused, and the shards of invalidated epochs can be garbage-collected. Nothing here is plaintext key
 * material.
 */
@Info({
  title: 'ShardMaps',
  description: 'Device key-shard maps per epoch, encrypted shards and their garbage collection',
})
export class ShardMapsContract extends KeyLedgerContract {
  constructor() {
    super('ShardMaps');
  }

  /**
   * Publishes a device's map for a new epoch and supersedes the active one. Role 'provider' (of the device's
   * publishing org) or admin.
   * Arg: JSON {deviceId, epoch, n, shards: [{shardId, index, digest}], validFrom, validUntil, deviceOwner?}.
   */
  @Transaction()
  @Returns('string')
  async PublishShardMap(ctx: KeyLedgerContext, mapJson: string): Promise<string> {
    await requireRole(ctx, 'provider', 'admin');
    const input = parseJsonArg(publishShardMapSchema, mapJson, 'shard map');
    if (input.validUntil <= ctx.now) {
      throw new ValidationError(
        `invalid shard map: validUntil: must be after the transaction time ${ctx.now}`,
      );
    }
    const head = await readHead(ctx, input.deviceId);
    await assertPublisher(ctx, input.deviceId, head);
    const owner = input.deviceOwner ?? head?.deviceOwner;
    if (
      head?.deviceOwner &&
      owner &&
      !sameIdentity(head.deviceOwner, owner) &&
      !(await ctx.roles()).has('admin')
    ) {
      throw new ForbiddenError(`only an admin may change the owner of device ${input.deviceId}`);
    }
    if (head && input.epoch <= head.latestEpoch) {
      throw new ConflictError(
        `epoch ${input.epoch} of device ${input.deviceId} is not after the latest published epoch ${head.latestEpoch}`,
      );
    }
    const previous =
      head?.activeEpoch === undefined ? undefined : await readMap(ctx, input.deviceId, head.activeEpoch);
    const shards = [...input.shards].sort((a, b) => a.index - b.index);
    const content = {
      deviceId: input.deviceId,
      epoch: input.epoch,
      n: input.n,
      shards,
      validFrom: input.validFrom,
      validUntil: input.validUntil,
    };
    const map: ShardMap = {
      ...content,
      mapDigest: sha256Hex(canonicalJson(content)),
      status: 'active',
      publishedAt: ctx.now,
      publishedBy: identityRef(ctx.caller),
      txId: ctx.txId,
      deviceOwner: owner,
    };
    if (previous && previous.status === 'active') {
      const superseded: ShardMap = {
        ...previous,
        status: 'invalidated',
        invalidatedAt: ctx.now,
        invalidatedReason: 'superseded',
        invalidatedBy: identityRef(ctx.caller),
        supersededBy: input.epoch,
      };
      await writeJson(ctx, shardMapKey(ctx, previous.deviceId, previous.epoch), superseded);
    }
    await writeJson(ctx, shardMapKey(ctx, map.deviceId, map.epoch), map);
    const nextHead: DeviceHead = {
      deviceId: map.deviceId,
      latestEpoch: map.epoch,
      activeEpoch: map.epoch,
      publisherMspId: head?.publisherMspId ?? ctx.caller.mspId,
      deviceOwner: owner,
      updatedAt: ctx.now,
    };
    await writeJson(ctx, deviceHeadKey(ctx, map.deviceId), nextHead);
    emitEvent(ctx, 'ShardMapPublished', {
      deviceId: map.deviceId,
      epoch: map.epoch,
      n: map.n,
      mapDigest: map.mapDigest,
      validFrom: map.validFrom,
      validUntil: map.validUntil,
      invalidatedEpoch: previous?.status === 'active' ? previous.epoch : null,
    });
    return result(map);
  }

  /**
   * Stores one encrypted shard of an active map. Its SHA-256 must equal the digest in the map; a stored shard is
   * never replaced (the same bytes again is an idempotent retry). Role 'provider' (publishing org) or admin.
   * Arg: JSON {deviceId, epoch, shardId, ciphertext (base64)}.
   */
  @Transaction()
  @Returns('string')
  async PutEncryptedShard(ctx: KeyLedgerContext, shardJson: string): Promise<string> {
    await requireRole(ctx, 'provider', 'admin');
    const input = parseJsonArg(putShardSchema, shardJson, 'encrypted shard');
    const bytes = Buffer.from(input.ciphertext, 'base64');
    if (bytes.length === 0) {
      throw new ValidationError('invalid encrypted shard: ciphertext: decodes to no bytes');
    }
    await assertPublisher(ctx, input.deviceId, await readHead(ctx, input.deviceId));
    const map = await readMap(ctx, input.deviceId, input.epoch);
    const status = reportedStatus(map, ctx.now);
    if (status !== 'active') {
      throw new ConflictError(`shard map of device ${input.deviceId} for epoch ${input.epoch} is ${status}`);
    }
    const entry = map.shards.find((shard) => shard.shardId === input.shardId);
    if (!entry) {
      throw new NotFoundError(
        `shard ${input.shardId} is not in the map of device ${input.deviceId} for epoch ${input.epoch}`,
      );
    }
    const digest = sha256Hex(bytes);
    const key = shardKey(ctx, input.deviceId, input.epoch, input.shardId);
    const stored = await readJson<StoredShard>(ctx, key);
    if (stored && stored.digest !== digest) {
      throw new ConflictError(
        `shard ${input.shardId} of device ${input.deviceId} epoch ${input.epoch} is already stored with different bytes`,
      );
    }
    if (digest !== entry.digest) {
      throw new ValidationError(
        `invalid encrypted shard: ciphertext of shard ${input.shardId} (index ${entry.index}) hashes to ${digest}, but the map says ${entry.digest}`,
      );
    }
    const record: StoredShard = stored ?? {
      deviceId: input.deviceId,
      epoch: input.epoch,
      shardId: input.shardId,
      index: entry.index,
      digest,
      ciphertext: bytes.toString('base64'),
      storedAt: ctx.now,
      storedBy: identityRef(ctx.caller),
    };
    if (!stored) {
      await writeJson(ctx, key, record);
    }
    emitEvent(ctx, 'EncryptedShardStored', {
      deviceId: record.deviceId,
      epoch: record.epoch,
      shardId: record.shardId,
      index: record.index,
      digest,
      replay: stored !== undefined,
    });
    return result({ ...record, replay: stored !== undefined });
  }

  /** An encrypted shard with the reported status of its map. Readers: admin, auditor, provider, the device. */
  @Transaction(false)
  @Returns('string')
  async GetEncryptedShard(
    ctx: KeyLedgerContext,
    deviceId: string,
    epoch: string,
    shardId: string,
  ): Promise<string> {
    await requireRole(ctx, ...READERS);
    const device = parseId(deviceId, 'deviceId');
    const epochNumber = parseEpoch(epoch);
    const shard = parseId(shardId, 'shardId');
    const map = await readMap(ctx, device, epochNumber);
    await assertReader(ctx, map);
    const stored = await mustReadJson<StoredShard>(
      ctx,
      shardKey(ctx, device, epochNumber, shard),
      `encrypted shard ${shard} of device ${device} for epoch ${epochNumber}`,
    );
    return result({ ...stored, mapStatus: reportedStatus(map, ctx.now) });
  }

  /** The device's active map (status 'expired' once past validUntil). NOT_FOUND when none is active. */
  @Transaction(false)
  @Returns('string')
  async GetActiveShardMap(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    const device = parseId(deviceId, 'deviceId');
    const head = await readHead(ctx, device);
    if (head?.activeEpoch === undefined) {
      throw new NotFoundError(`device ${device} has no active shard map`);
    }
    const map = await readMap(ctx, device, head.activeEpoch);
    await assertReader(ctx, map);
    return result(report(map, ctx.now));
  }

  /** The map of one epoch, whatever its status. */
  @Transaction(false)
  @Returns('string')
  async GetShardMap(ctx: KeyLedgerContext, deviceId: string, epoch: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    const device = parseId(deviceId, 'deviceId');
    const map = await readMap(ctx, device, parseEpoch(epoch));
    await assertReader(ctx, map);
    return result(report(map, ctx.now));
  }

  /**
   * Invalidates the active epoch of a device (e.g. device lost, shard exposed). Admin, a provider of the
   * publishing org, or the device owner bound to the map.
   */
  @Transaction()
  @Returns('string')
  async InvalidateEpoch(
    ctx: KeyLedgerContext,
    deviceId: string,
    epoch: string,
    reason: string,
  ): Promise<string> {
    await requireRole(ctx, 'admin', 'provider', 'device');
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
      await writeJson(ctx, deviceHeadKey(ctx, device), {
        ...head,
        activeEpoch: undefined,
        updatedAt: ctx.now,
      });
    }
    emitEvent(ctx, 'EpochInvalidated', {
      deviceId: device,
      epoch: epochNumber,
      reason: why,
      invalidatedAt: ctx.now,
    });
    return result(next);
  }

  /**
   * Deletes the stored shards of every invalidated epoch of a device not collected before and marks those maps
   * collected. Admin or a provider of the publishing org. Returns {deviceId, deleted, epochs} where epochs are
   * the epochs whose shards were deleted.
   */
  @Transaction()
  @Returns('string')
  async GarbageCollectShards(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
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
    emitEvent(ctx, 'ShardsCollected', { deviceId: device, deleted, epochs });
    return result({ deviceId: device, deleted, epochs });
  }
}
