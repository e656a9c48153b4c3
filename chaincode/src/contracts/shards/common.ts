import { mustReadJson, parseIntArg, readJson, type KeyLedgerContext } from '../../lib';
import type {
  DeviceEnrollment,
  DeviceHead,
  ReportedMapStatus,
  ReportedShardMap,
  ShardMap,
} from '../../protocol/shards';
import { deviceHeadKey, enrollmentKey, shardMapKey } from './keys';

/** Roles that may call the read functions at all; {@link assertReader} then narrows the device role. */
export const READERS = ['admin', 'auditor', 'provider', 'device'] as const;

/** The status a read reports: an active map whose validity has ended is 'expired'. */
export function reportedStatus(map: ShardMap, now: number): ReportedMapStatus {
  return map.status === 'active' && map.validUntil < now ? 'expired' : map.status;
}

export function report(map: ShardMap, now: number): ReportedShardMap {
  return { ...map, status: reportedStatus(map, now) };
}

export async function readHead(ctx: KeyLedgerContext, deviceId: string): Promise<DeviceHead | undefined> {
  return readJson<DeviceHead>(ctx, deviceHeadKey(ctx, deviceId));
}

export async function mustReadHead(ctx: KeyLedgerContext, deviceId: string): Promise<DeviceHead> {
  return mustReadJson<DeviceHead>(ctx, deviceHeadKey(ctx, deviceId), `shard maps of device ${deviceId}`);
}

export async function readMap(ctx: KeyLedgerContext, deviceId: string, epoch: number): Promise<ShardMap> {
  return mustReadJson<ShardMap>(
    ctx,
    shardMapKey(ctx, deviceId, epoch),
    `shard map of device ${deviceId} for epoch ${epoch}`,
  );
}

export async function readEnrollment(
  ctx: KeyLedgerContext,
  deviceId: string,
): Promise<DeviceEnrollment | undefined> {
  return readJson<DeviceEnrollment>(ctx, enrollmentKey(ctx, deviceId));
}

export function parseEpoch(raw: string): number {
  return parseIntArg(raw, 'epoch', 0, Number.MAX_SAFE_INTEGER);
}
