import { type KeyLedgerContext } from '../../lib';
import { ForbiddenError, sameIdentity } from '../../protocol';
import type { DeviceHead, ShardMap } from '../../protocol/shards';

/**
 * Writers of a device's maps and shards: an admin, or a provider of the organisation that first published for
 * the device. Binding the device to that org keeps another org's provider from superseding its maps.
 */
export async function assertPublisher(
  ctx: KeyLedgerContext,
  deviceId: string,
  head: DeviceHead | undefined,
): Promise<void> {
  const roles = await ctx.roles();
  if (roles.has('admin') || head === undefined) {
    return;
  }
  if (!roles.has('provider') || head.publisherMspId !== ctx.caller.mspId) {
    throw new ForbiddenError(
      `maps of device ${deviceId} are published by providers of ${head.publisherMspId}`,
    );
  }
}

/**
 * Readers: admin, auditor, any provider, and the device itself — the bound device owner when the map has one,
 * any identity with role 'device' when it has none.
 */
export async function assertReader(ctx: KeyLedgerContext, map: ShardMap): Promise<void> {
  const roles = await ctx.roles();
  if (roles.has('admin') || roles.has('auditor') || roles.has('provider')) {
    return;
  }
  if (map.deviceOwner === undefined || sameIdentity(map.deviceOwner, ctx.caller)) {
    return;
  }
  throw new ForbiddenError(`only device ${map.deviceId}'s own identity may read its shard maps`);
}

/**
 * Readers of a device's own records (enrollment, summary): admin, auditor, any provider, and the owner bound in
 * the head — any identity with role 'device' when no owner is bound.
 */
export async function assertDeviceReader(
  ctx: KeyLedgerContext,
  deviceId: string,
  head: DeviceHead | undefined,
): Promise<void> {
  const roles = await ctx.roles();
  if (roles.has('admin') || roles.has('auditor') || roles.has('provider')) {
    return;
  }
  if (head?.deviceOwner === undefined || sameIdentity(head.deviceOwner, ctx.caller)) {
    return;
  }
  throw new ForbiddenError(`only device ${deviceId}'s own identity may read its records`);
}
