import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  KeyLedgerContext,
  KeyLedgerContract,
  mustReadJson,
  parseId,
  parseIntArg,
  requireRole,
  result,
} from '../../lib';
import { NotFoundError } from '../../protocol';
import type { StoredShard } from '../../protocol/shards';
import { assertReader } from './access';
import { parseEpoch, READERS, readHead, readMap, report, reportedStatus } from './common';
import {
  deviceEnrollment,
  deviceSummary,
  recordShardUse,
  revokeDevice,
  shardBundle,
  shardUse,
} from './devices';
import { shardKey } from './keys';
import { collectShards, invalidateEpoch } from './lifecycle';
import { publishEpoch, publishShardMap, putEncryptedShard } from './publication';

/**
 * ShardMaps — capability D: per-device, per-epoch maps of encrypted key shards.
 *
 * A shard generator beside a key provider's HSM derives a device's one-time key, cuts it into n segments,
 * encrypts each under a key derived from its master key and the index, and publishes the map: shard ids and
 * the SHA-256 of each ENCRYPTED shard, n and a validity period. The encrypted shards are stored next to the map
 * and must hash to the published digests; the device fetches map and shards, checks the digests, decrypts and
 * reassembles. PublishEpoch does it in one step: the map, the shards (the contract computes their digests),
 * the epoch key's public key and, once per device, the enrollment that delivers the device key. Epochs only go
 * up: publishing epoch k supersedes (invalidates) the active one, a past or equal epoch is refused, and the
 * shards of invalidated epochs can be garbage-collected. A revoked device gets no further maps. Nothing here is
 * plaintext key material.
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
   * Publishes a device's map for a new epoch and supersedes the active one; the shards follow through
   * PutEncryptedShard. Role 'provider' (of the device's publishing org) or admin.
   * Arg: JSON {deviceId, epoch, n, shards: [{shardId, index, digest}], validFrom, validUntil, deviceOwner?}.
   */
  @Transaction()
  @Returns('string')
  async PublishShardMap(ctx: KeyLedgerContext, mapJson: string): Promise<string> {
    await requireRole(ctx, 'provider', 'admin');
    return result(await publishShardMap(ctx, mapJson));
  }

  /**
   * Publishes a new epoch with all its encrypted shards (and the device's enrollment, once) in one transaction.
   * Role 'provider' (publishing org) or admin. Arg: JSON {deviceId, epoch, n, validFrom, validUntil, algorithm,
   * publicKey, shards: [{shardId, index, ciphertext}], deviceOwner?, enrollment?: {devicePublicKey,
   * ephemeralPublicKey, wrappedKey, keyCheckValue}}. Returns the map with replay (true for an exact retry).
   */
  @Transaction()
  @Returns('string')
  async PublishEpoch(ctx: KeyLedgerContext, epochJson: string): Promise<string> {
    await requireRole(ctx, 'provider', 'admin');
    const { map, replay } = await publishEpoch(ctx, epochJson);
    return result({ ...map, replay });
  }

  /**
   * Stores one encrypted shard of an active map published by PublishShardMap. Role 'provider' (publishing org)
   * or admin. Arg: JSON {deviceId, epoch, shardId, ciphertext (base64)}.
   */
  @Transaction()
  @Returns('string')
  async PutEncryptedShard(ctx: KeyLedgerContext, shardJson: string): Promise<string> {
    await requireRole(ctx, 'provider', 'admin');
    const { record, replay } = await putEncryptedShard(ctx, shardJson);
    return result({ ...record, replay });
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
   * The active map (reported status), its stored shards sorted by index and the device's enrollment if any.
   * Readers as GetActiveShardMap. NOT_FOUND when no map is active, saying whether the device is revoked.
   */
  @Transaction(false)
  @Returns('string')
  async GetShardBundle(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    return result(await shardBundle(ctx, deviceId));
  }

  /** The device's enrollment. Readers: admin, auditor, provider, and the owner bound in the head. */
  @Transaction(false)
  @Returns('string')
  async GetDeviceEnrollment(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    return result(await deviceEnrollment(ctx, deviceId));
  }

  /** {head, epochs (ascending, without shard lists), enrollment?}. Readers as GetDeviceEnrollment. */
  @Transaction(false)
  @Returns('string')
  async GetDevice(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    return result(await deviceSummary(ctx, deviceId));
  }

  /**
   * Records that the device used its key of an active, unexpired epoch for a message (SHA-256 hex). Role
   * 'device', the bound owner when the map has one. Returns the use record with replay.
   */
  @Transaction()
  @Returns('string')
  async RecordShardUse(
    ctx: KeyLedgerContext,
    deviceId: string,
    epoch: string,
    messageDigest: string,
  ): Promise<string> {
    await requireRole(ctx, 'device');
    const { record, replay } = await recordShardUse(ctx, deviceId, epoch, messageDigest);
    return result({ ...record, replay });
  }

  /** The use record of one epoch's key. Readers as GetShardMap; NOT_FOUND when never used. */
  @Transaction(false)
  @Returns('string')
  async GetShardUse(ctx: KeyLedgerContext, deviceId: string, epoch: string): Promise<string> {
    await requireRole(ctx, ...READERS);
    return result(await shardUse(ctx, deviceId, epoch));
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
    return result(await invalidateEpoch(ctx, deviceId, epoch, reason));
  }

  /**
   * Revokes a device: invalidates its active map and refuses every later publish. Admin or a provider of the
   * publishing org. Returns the device head.
   */
  @Transaction()
  @Returns('string')
  async RevokeDevice(ctx: KeyLedgerContext, deviceId: string, reason: string): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
    return result(await revokeDevice(ctx, deviceId, reason));
  }

  /**
   * Deletes the stored shards of every invalidated epoch of a device not collected before and marks those maps
   * collected. Admin or a provider of the publishing org. Returns {deviceId, deleted, epochs, invalidatedBefore:
   * null} where epochs are the epochs whose shards were deleted.
   */
  @Transaction()
  @Returns('string')
  async GarbageCollectShards(ctx: KeyLedgerContext, deviceId: string): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
    return result(await collectShards(ctx, deviceId, undefined));
  }

  /**
   * GarbageCollectShards limited to maps invalidated at or before `invalidatedBefore` (epoch ms; the generator
   * passes now − retention). A separate function rather than an optional second argument: fabric-shim's
   * DataMarshall.handleParameters refuses a call whose argument count differs from the declared parameters,
   * so existing one-argument callers would break.
   */
  @Transaction()
  @Returns('string')
  async GarbageCollectShardsBefore(
    ctx: KeyLedgerContext,
    deviceId: string,
    invalidatedBefore: string,
  ): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
    const cutoff = parseIntArg(invalidatedBefore, 'invalidatedBefore');
    return result(await collectShards(ctx, deviceId, cutoff));
  }
}
