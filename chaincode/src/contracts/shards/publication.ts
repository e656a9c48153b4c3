import { emitEvent, type KeyLedgerContext, parseJsonArg, readJson, writeJson } from '../../lib';
import {
  ConflictError,
  ForbiddenError,
  identityRef,
  type IdentityRef,
  NotFoundError,
  sameIdentity,
  sha256Hex,
  ValidationError,
} from '../../protocol';
import {
  type DeviceEnrollment,
  type DeviceHead,
  type ShardEntry,
  type ShardMap,
  type ShardMapHeader,
  shardMapDigest,
  shardMapHeaderDigest,
  type StoredShard,
} from '../../protocol/shards';
import { assertPublisher } from './access';
import { readEnrollment, readHead, readMap, reportedStatus } from './common';
import { deviceHeadKey, enrollmentKey, shardKey, shardMapKey } from './keys';
import {
  decodeBase64,
  type EnrollmentInput,
  publishEpochSchema,
  publishShardMapSchema,
  putShardSchema,
} from './schemas';

/** What both publish paths hand to {@link commitMap}: the map's content, before digests and bookkeeping. */
interface MapDraft {
  readonly header: ShardMapHeader;
  readonly shards: readonly ShardEntry[];
  readonly deviceOwner?: IdentityRef;
}

/** The map record a draft becomes when published in this transaction. */
function buildMap(ctx: KeyLedgerContext, draft: MapDraft): ShardMap {
  const shards = [...draft.shards].sort((a, b) => a.index - b.index);
  return {
    ...draft.header,
    shards,
    headerDigest: shardMapHeaderDigest(draft.header),
    mapDigest: shardMapDigest(draft.header, shards),
    status: 'active',
    publishedAt: ctx.now,
    publishedBy: identityRef(ctx.caller),
    txId: ctx.txId,
    deviceOwner: draft.deviceOwner,
  };
}

/**
 * The checks both publish paths make before anything else: the validity has not ended, the caller publishes for
 * this device, the device is not revoked, and only an admin changes a bound owner. Returns the head and the
 * owner the new map gets (the given one, else the head's).
 */
async function checkPublisher(
  ctx: KeyLedgerContext,
  input: { deviceId: string; validUntil: number; deviceOwner?: IdentityRef },
  what: string,
): Promise<{ head: DeviceHead | undefined; owner: IdentityRef | undefined }> {
  if (input.validUntil <= ctx.now) {
    throw new ValidationError(`invalid ${what}: validUntil: must be after the transaction time ${ctx.now}`);
  }
  const head = await readHead(ctx, input.deviceId);
  await assertPublisher(ctx, input.deviceId, head);
  if (head?.revoked) {
    throw new ConflictError(
      `device ${input.deviceId} was revoked at ${head.revoked.at} (${head.revoked.reason}); no further maps are published for it`,
    );
  }
  const owner = input.deviceOwner ?? head?.deviceOwner;
  if (
    head?.deviceOwner &&
    owner &&
    !sameIdentity(head.deviceOwner, owner) &&
    !(await ctx.roles()).has('admin')
  ) {
    throw new ForbiddenError(`only an admin may change the owner of device ${input.deviceId}`);
  }
  return { head, owner };
}

function assertNewEpoch(head: DeviceHead | undefined, deviceId: string, epoch: number): void {
  if (head && epoch <= head.latestEpoch) {
    throw new ConflictError(
      `epoch ${epoch} of device ${deviceId} is not after the latest published epoch ${head.latestEpoch}`,
    );
  }
}

/**
 * Writes a new active map: supersedes (invalidates) the active one, moves the head to the new epoch and emits
 * ShardMapPublished. Both publish paths end here so supersession and the head stay one rule.
 */
async function commitMap(
  ctx: KeyLedgerContext,
  head: DeviceHead | undefined,
  map: ShardMap,
  options: { withShards: boolean; enrolled: boolean },
): Promise<void> {
  const previous =
    head?.activeEpoch === undefined ? undefined : await readMap(ctx, map.deviceId, head.activeEpoch);
  const supersedes = previous?.status === 'active' ? previous : undefined;
  if (supersedes) {
    const superseded: ShardMap = {
      ...supersedes,
      status: 'invalidated',
      invalidatedAt: ctx.now,
      invalidatedReason: 'superseded',
      invalidatedBy: identityRef(ctx.caller),
      supersededBy: map.epoch,
    };
    await writeJson(ctx, shardMapKey(ctx, supersedes.deviceId, supersedes.epoch), superseded);
  }
  await writeJson(ctx, shardMapKey(ctx, map.deviceId, map.epoch), map);
  const nextHead: DeviceHead = {
    deviceId: map.deviceId,
    latestEpoch: map.epoch,
    activeEpoch: map.epoch,
    publisherMspId: head?.publisherMspId ?? ctx.caller.mspId,
    deviceOwner: map.deviceOwner,
    updatedAt: ctx.now,
    enrolled: options.enrolled || head?.enrolled === true ? true : undefined,
  };
  await writeJson(ctx, deviceHeadKey(ctx, map.deviceId), nextHead);
  emitEvent(ctx, 'ShardMapPublished', {
    deviceId: map.deviceId,
    epoch: map.epoch,
    n: map.n,
    mapDigest: map.mapDigest,
    validFrom: map.validFrom,
    validUntil: map.validUntil,
    invalidatedEpoch: supersedes ? supersedes.epoch : null,
    withShards: options.withShards,
  });
}

/** The two-step path: the map with shard digests now, the shards later through PutEncryptedShard. */
export async function publishShardMap(ctx: KeyLedgerContext, mapJson: string): Promise<ShardMap> {
  const input = parseJsonArg(publishShardMapSchema, mapJson, 'shard map');
  const { head, owner } = await checkPublisher(ctx, input, 'shard map');
  assertNewEpoch(head, input.deviceId, input.epoch);
  const header: ShardMapHeader = {
    deviceId: input.deviceId,
    epoch: input.epoch,
    n: input.n,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
  };
  const map = buildMap(ctx, { header, shards: input.shards, deviceOwner: owner });
  await commitMap(ctx, head, map, { withShards: false, enrolled: false });
  return map;
}

/** Owners compare equal when both are unbound or both name the same identity. */
function sameOwner(a: IdentityRef | undefined, b: IdentityRef | undefined): boolean {
  return b === undefined ? a === undefined : sameIdentity(a, b);
}

function sameEnrollment(stored: DeviceEnrollment | undefined, given: EnrollmentInput): boolean {
  return (
    stored !== undefined &&
    stored.devicePublicKey === given.devicePublicKey &&
    stored.ephemeralPublicKey === given.ephemeralPublicKey &&
    stored.wrappedKey === given.wrappedKey &&
    stored.keyCheckValue === given.keyCheckValue
  );
}

/**
 * The one-step path: the map, every encrypted shard and optionally the device's enrollment in one transaction,
 * so a device never sees a map whose shards are still missing. The contract computes the shard digests itself.
 * An exact retry of a committed publish (same epoch, same map digest, shards still stored) returns the stored
 * map with replay: true and writes nothing.
 */
export async function publishEpoch(
  ctx: KeyLedgerContext,
  epochJson: string,
): Promise<{ map: ShardMap; replay: boolean }> {
  const input = parseJsonArg(publishEpochSchema, epochJson, 'epoch');
  const { head, owner } = await checkPublisher(ctx, input, 'epoch');
  const ciphertexts = new Map<string, Buffer>();
  const entries: ShardEntry[] = input.shards.map((shard) => {
    // the schema accepted only canonical, non-empty base64, so the decode cannot fail here
    const bytes = decodeBase64(shard.ciphertext) as Buffer;
    ciphertexts.set(shard.shardId, bytes);
    return { shardId: shard.shardId, index: shard.index, digest: sha256Hex(bytes) };
  });
  const header: ShardMapHeader = {
    deviceId: input.deviceId,
    epoch: input.epoch,
    n: input.n,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    algorithm: input.algorithm,
    publicKey: input.publicKey,
  };
  const map = buildMap(ctx, { header, shards: entries, deviceOwner: owner });
  const enrollment = await readEnrollment(ctx, input.deviceId);
  if (head && input.epoch === head.latestEpoch) {
    const stored = await readJson<ShardMap>(ctx, shardMapKey(ctx, input.deviceId, input.epoch));
    if (
      stored !== undefined &&
      stored.mapDigest === map.mapDigest &&
      stored.collectedAt === undefined &&
      sameOwner(stored.deviceOwner, map.deviceOwner) &&
      (input.enrollment === undefined || sameEnrollment(enrollment, input.enrollment))
    ) {
      // No event either: the first commit announced the map; listeners must not see it published twice.
      return { map: stored, replay: true };
    }
  }
  assertNewEpoch(head, input.deviceId, input.epoch);
  if (input.enrollment && enrollment) {
    throw new ConflictError(`device ${input.deviceId} is already enrolled`);
  }
  await commitMap(ctx, head, map, { withShards: true, enrolled: input.enrollment !== undefined });
  for (const entry of map.shards) {
    const shard: StoredShard = {
      deviceId: map.deviceId,
      epoch: map.epoch,
      shardId: entry.shardId,
      index: entry.index,
      digest: entry.digest,
      // stored as standard base64 whatever alphabet came in, as PutEncryptedShard stores it
      ciphertext: (ciphertexts.get(entry.shardId) as Buffer).toString('base64'),
      storedAt: ctx.now,
      storedBy: identityRef(ctx.caller),
    };
    await writeJson(ctx, shardKey(ctx, map.deviceId, map.epoch, entry.shardId), shard);
  }
  if (input.enrollment) {
    const record: DeviceEnrollment = {
      deviceId: map.deviceId,
      ...input.enrollment,
      enrolledAt: ctx.now,
      enrolledBy: identityRef(ctx.caller),
      txId: ctx.txId,
    };
    await writeJson(ctx, enrollmentKey(ctx, map.deviceId), record);
  }
  return { map, replay: false };
}

/**
 * Stores one encrypted shard of an active map. Its SHA-256 must equal the digest in the map; a stored shard is
 * never replaced (the same bytes again is an idempotent retry).
 */
export async function putEncryptedShard(
  ctx: KeyLedgerContext,
  shardJson: string,
): Promise<{ record: StoredShard; replay: boolean }> {
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
  return { record, replay: stored !== undefined };
}
