import { ServiceError } from '../../errors';
import { callerOf, defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import type { ShardGenerator, ShardRotationScheduler } from '../generator';
import type { ProvisionResult } from '../generator';
import { ShardsLedger } from '../ledger';
import {
  collectBody,
  collectionResultSchema,
  deviceListSchema,
  deviceParams,
  devicesQuery,
  deviceViewSchema,
  provisionBatchBody,
  provisionBatchResultSchema,
  provisionBody,
  provisionResultSchema,
  revocationResultSchema,
  revokeDeviceBody,
  rotateBody,
} from '../schemas';
import { deviceLocation, FLEET_READER_ROLES, OPERATOR_ROLES, requireRole } from './access';

export const TAG_SHARD_DEVICES = 'Shard devices';

/** Devices of a batch provisioned at once: each is one transaction, the ordering service takes them in turn. */
const BATCH_CONCURRENCY = 32;
const DEFAULT_PAGE = 100;

export interface ShardRouteDeps {
  readonly generator: ShardGenerator;
  readonly scheduler: ShardRotationScheduler;
}

interface ProvisionItem {
  readonly deviceId: string;
  readonly devicePublicKey: string;
  readonly owner?: { readonly mspId: string; readonly fingerprint: string } | undefined;
  readonly n?: number | undefined;
  readonly algorithm?: 'Ed25519' | 'ES256' | undefined;
}

interface BatchItemResult {
  readonly deviceId: string;
  readonly epoch?: number;
  readonly replay?: boolean;
  readonly error?: { readonly type: string; readonly detail: string };
}

async function provisionOne(deps: ShardRouteDeps, item: ProvisionItem): Promise<ProvisionResult> {
  const result = await deps.generator.provision({
    deviceId: item.deviceId,
    devicePublicKey: Buffer.from(item.devicePublicKey, 'base64url'),
    ...(item.owner === undefined ? {} : { deviceOwner: item.owner }),
    ...(item.n === undefined ? {} : { n: item.n }),
    ...(item.algorithm === undefined ? {} : { algorithm: item.algorithm }),
  });
  await deps.scheduler.track(item.deviceId);
  return result;
}

/** A failed batch item as the caller is told: the problem type and its safe detail, never a stack or cause. */
function itemError(error: unknown): { type: string; detail: string } {
  if (error instanceof ServiceError) {
    return { type: error.problemType, detail: error.detail };
  }
  return { type: 'internal-error', detail: 'provisioning failed unexpectedly; see the gateway log' };
}

/** Runs `work` over `items` with at most `limit` at once, keeping each result at its item's index. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function notProvisioned(deviceId: string): ProblemError {
  return new ProblemError('not-found', `device ${deviceId} is unknown to the ledger`);
}

/** Provisioning, the fleet, one device, rotation, revocation and collection of the generator's devices. */
export function shardDeviceRoutes(deps: ShardRouteDeps): AnyRoute[] {
  const { generator, scheduler } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/shards/devices',
      operationId: 'provisionShardDevice',
      summary: 'Provisions a device: K_dev wrapped to its key and epoch 1 published in one transaction',
      description:
        'Needs the role admin or provider. A retry with the same device key answers 200 with `replay: true` and ' +
        'writes nothing; the same id with another key, or a revoked id, is a 409.',
      tags: [TAG_SHARD_DEVICES],
      params: noParams,
      query: noQuery,
      body: provisionBody,
      bodyRequired: true,
      responses: {
        200: { description: 'already provisioned this way (a retry)', schema: provisionResultSchema },
        201: {
          description: 'provisioned',
          schema: provisionResultSchema,
          headers: { Location: 'the device' },
        },
      },
      errors: [403, 409],
      async handler(context) {
        await requireRole(context.services, callerOf(context), OPERATOR_ROLES, 'provisioning a device');
        const result = await provisionOne(deps, context.body);
        return ok(
          { deviceId: result.deviceId, epoch: result.epoch, replay: result.replay, map: result.map },
          result.replay ? 200 : 201,
          { Location: deviceLocation(result.deviceId) },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/shards/devices/batch',
      operationId: 'provisionShardDeviceBatch',
      summary: 'Provisions up to 1000 devices: all validated first, then each provisioned on its own',
      description:
        'Needs the role admin or provider. Any invalid item refuses the whole batch (400 naming the item) and ' +
        'nothing is provisioned; otherwise each device is provisioned (32 at a time) and the results, in request ' +
        'order, say which were provisioned, replayed or failed and why.',
      tags: [TAG_SHARD_DEVICES],
      params: noParams,
      query: noQuery,
      body: provisionBatchBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the per-device results', schema: provisionBatchResultSchema } },
      errors: [403, 413],
      async handler(context) {
        await requireRole(context.services, callerOf(context), OPERATOR_ROLES, 'provisioning devices');
        const results = await pooled(
          context.body.devices,
          BATCH_CONCURRENCY,
          async (item): Promise<BatchItemResult> => {
            try {
              const result = await provisionOne(deps, item);
              return { deviceId: item.deviceId, epoch: result.epoch, replay: result.replay };
            } catch (error) {
              context.log.warn(
                { deviceId: item.deviceId, type: itemError(error).type },
                'batch provisioning of a device failed',
              );
              return { deviceId: item.deviceId, error: itemError(error) };
            }
          },
        );
        const failed = results.filter((r) => r.error !== undefined).length;
        const replayed = results.filter((r) => r.replay === true).length;
        return ok({ provisioned: results.length - failed - replayed, replayed, failed, results });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/shards/devices',
      operationId: 'listShardDevices',
      summary: 'The devices this generator holds a K_dev for, with their ledger heads and schedule',
      description: 'Needs the role admin, auditor or provider. Sorted by device id.',
      tags: [TAG_SHARD_DEVICES],
      params: noParams,
      query: devicesQuery,
      responses: { 200: { description: 'a page of devices', schema: deviceListSchema } },
      errors: [403],
      async handler(context) {
        await requireRole(context.services, callerOf(context), FLEET_READER_ROLES, 'the device list');
        const ids = [...generator.deviceIds()].sort();
        const offset = context.query.offset ?? 0;
        const page = ids.slice(offset, offset + (context.query.limit ?? DEFAULT_PAGE));
        const devices = await pooled(page, BATCH_CONCURRENCY, async (deviceId) => {
          const summary = await generator.ledger.device(deviceId);
          const head = summary?.head;
          const active = summary?.epochs.find((epoch) => epoch.epoch === head?.activeEpoch);
          const due = scheduler.dueTimes(deviceId);
          return {
            deviceId,
            ...(head?.activeEpoch === undefined ? {} : { activeEpoch: head.activeEpoch }),
            latestEpoch: head?.latestEpoch ?? 0,
            ...(active === undefined ? {} : { validUntil: active.validUntil }),
            ...(due?.rotateAt === undefined ? {} : { rotateAt: due.rotateAt }),
            ...(due?.collectAt === undefined ? {} : { collectAt: due.collectAt }),
            revoked: head?.revoked !== undefined,
          };
        });
        return ok({ devices, total: ids.length });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/shards/devices/:deviceId',
      operationId: 'getShardDevice',
      summary: 'One device as the ledger has it (GetDevice as the caller), its schedule and its active use',
      description:
        'Read as the caller: the contract lets admins, auditors, providers and the device itself. `schedule` ' +
        'is null when this gateway does not track the device.',
      tags: [TAG_SHARD_DEVICES],
      params: deviceParams,
      query: noQuery,
      responses: { 200: { description: 'the device', schema: deviceViewSchema } },
      errors: [403, 404],
      async handler(context) {
        const { deviceId } = context.params;
        const ledger = new ShardsLedger(callerOf(context).ledger);
        const summary = await ledger.device(deviceId);
        if (summary === undefined) {
          throw notProvisioned(deviceId);
        }
        const active = summary.head.activeEpoch;
        const activeUse = active === undefined ? undefined : await ledger.use(deviceId, active);
        return ok({
          ...summary,
          schedule: scheduler.dueTimes(deviceId) ?? null,
          activeUse: activeUse ?? null,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/shards/devices/:deviceId/rotate',
      operationId: 'rotateShardDevice',
      summary: 'Publishes the device’s next epoch now; the ledger invalidates the one it supersedes',
      description: 'Needs the role admin or provider. An unknown device is a 404, a revoked one a 409.',
      tags: [TAG_SHARD_DEVICES],
      params: deviceParams,
      query: noQuery,
      body: rotateBody,
      // Explicit: the document's default is a required body, the app's is not; no body here means {}.
      bodyRequired: false,
      responses: { 200: { description: 'the published map', schema: provisionResultSchema.shape.map } },
      errors: [403, 404, 409],
      async handler(context) {
        await requireRole(context.services, callerOf(context), OPERATOR_ROLES, 'rotating a device');
        const { deviceId } = context.params;
        const { n, algorithm } = context.body;
        const map = await generator.rotate(deviceId, {
          ...(n === undefined ? {} : { n }),
          ...(algorithm === undefined ? {} : { algorithm }),
        });
        await scheduler.track(deviceId);
        return ok(map);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/shards/devices/:deviceId/revoke',
      operationId: 'revokeShardDevice',
      summary: 'Revokes a device as the caller (RevokeDevice), then destroys its K_dev in the generator',
      description:
        'RevokeDevice is signed as the caller: the contract lets admins and the device’s publishing providers. ' +
        'Revocation is final: a second one is a 409. `keyDestroyed` says whether this generator held the key.',
      tags: [TAG_SHARD_DEVICES],
      params: deviceParams,
      query: noQuery,
      body: revokeDeviceBody,
      bodyRequired: true,
      responses: { 200: { description: 'revoked', schema: revocationResultSchema } },
      errors: [403, 404, 409],
      async handler(context) {
        const caller = callerOf(context);
        await requireRole(context.services, caller, OPERATOR_ROLES, 'revoking a device');
        const { deviceId } = context.params;
        const head = await new ShardsLedger(caller.ledger).revoke(deviceId, context.body.reason);
        const { keyDestroyed } = await generator.forgetRevoked(deviceId);
        await scheduler.track(deviceId);
        return ok({ head, keyDestroyed });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/shards/devices/:deviceId/collect',
      operationId: 'collectShardDevice',
      summary: 'Deletes the shards of the device’s epochs invalidated at least the retention ago',
      description: 'Needs the role admin or provider. Default retention: the generator’s policy.',
      tags: [TAG_SHARD_DEVICES],
      params: deviceParams,
      query: noQuery,
      body: collectBody,
      // Explicit: the document's default is a required body, the app's is not; no body here means {}.
      bodyRequired: false,
      responses: { 200: { description: 'what was collected', schema: collectionResultSchema } },
      errors: [403, 404],
      async handler(context) {
        await requireRole(context.services, callerOf(context), OPERATOR_ROLES, 'collecting shards');
        const { deviceId } = context.params;
        if ((await generator.ledger.device(deviceId)) === undefined) {
          throw notProvisioned(deviceId);
        }
        const retentionMs = context.body.retentionMs ?? generator.policy.retentionMs;
        const invalidatedBefore = Date.now() - retentionMs;
        const result = await generator.collect(deviceId, retentionMs);
        await scheduler.track(deviceId);
        return ok({ ...result, invalidatedBefore });
      },
    }),
  ];
}
