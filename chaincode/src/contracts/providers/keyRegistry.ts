import {
  emitEvent,
  exists,
  listByPartialKey,
  mustReadJson,
  nextVersion,
  parseId,
  parseJsonArg,
  readJson,
  writeJson,
  type KeyLedgerContext,
} from '../../lib';
import { ConflictError, identityRef, NotFoundError } from '../../protocol';
import type { KeyChange, KeyList, KeyStatus, ProviderKey } from '../../protocol/providers';
import { LocalType, masterKeyKey } from './keys';
import { createKeySchema, disableKeySchema } from './keySchemas';

/**
 * The key registry: customer master keys (CMKs) by id, each with its status and grants (see `keyGrants.ts`).
 * The contract checks the caller's role; these functions validate, read, write and emit.
 */

export async function readKey(ctx: KeyLedgerContext, keyId: string): Promise<ProviderKey> {
  return mustReadJson<ProviderKey>(ctx, masterKeyKey(ctx, keyId), `key ${keyId}`);
}

/** Writes a changed key record and emits the transaction's event for it. */
export async function writeKey(ctx: KeyLedgerContext, key: ProviderKey): Promise<void> {
  await writeJson(ctx, masterKeyKey(ctx, key.keyId), key);
}

/** Arg: JSON {keyId, description?, algorithm?}. The key starts enabled, with no grant. */
export async function createKey(ctx: KeyLedgerContext, keyJson: string): Promise<ProviderKey> {
  const input = parseJsonArg(createKeySchema, keyJson, 'key');
  if (await readJson<ProviderKey>(ctx, masterKeyKey(ctx, input.keyId))) {
    throw new ConflictError(`key ${input.keyId} already exists`);
  }
  const key: ProviderKey = {
    keyId: input.keyId,
    description: input.description,
    algorithm: input.algorithm,
    status: 'enabled',
    createdBy: identityRef(ctx.caller),
    createdAt: ctx.now,
    grants: [],
    version: 1,
    updatedAt: ctx.now,
  };
  await writeKey(ctx, key);
  emitEvent(ctx, 'KeyCreated', {
    keyId: key.keyId,
    algorithm: key.algorithm,
    status: key.status,
    createdBy: key.createdBy,
    version: key.version,
  });
  return key;
}

export async function getKey(ctx: KeyLedgerContext, keyId: string): Promise<ProviderKey> {
  return readKey(ctx, parseId(keyId, 'keyId'));
}

/** Every key, in keyId order (the composite keys' byte order). */
export async function listKeys(ctx: KeyLedgerContext): Promise<KeyList> {
  return { keys: await listByPartialKey<ProviderKey>(ctx, LocalType.masterKey, []), asOf: ctx.now };
}

async function setStatus(
  ctx: KeyLedgerContext,
  previous: ProviderKey,
  status: KeyStatus,
  changes: Partial<ProviderKey>,
): Promise<KeyChange> {
  if (previous.status === status) {
    return { key: previous, changed: false };
  }
  const key = nextVersion(previous, { status, ...changes }, ctx.now);
  await writeKey(ctx, key);
  emitEvent(ctx, 'KeyUpdated', { keyId: key.keyId, status, version: key.version });
  return { key, changed: true };
}

/**
 * Arg: JSON {keyId, reason}. Disabling a disabled key is a no-op (`changed: false`, its first reason kept), so a
 * retry is harmless.
 */
export async function disableKey(ctx: KeyLedgerContext, disableJson: string): Promise<KeyChange> {
  const input = parseJsonArg(disableKeySchema, disableJson, 'key disable');
  return setStatus(ctx, await readKey(ctx, input.keyId), 'disabled', {
    disabledAt: ctx.now,
    disabledReason: input.reason,
    disabledBy: identityRef(ctx.caller),
  });
}

/** Enabling an enabled key is a no-op (`changed: false`). */
export async function enableKey(ctx: KeyLedgerContext, keyId: string): Promise<KeyChange> {
  return setStatus(ctx, await getKey(ctx, keyId), 'enabled', {
    disabledAt: undefined,
    disabledReason: undefined,
    disabledBy: undefined,
  });
}

/**
 * A provider profile may name only registered keys. Keys are never deleted, so an update checks only the ids it
 * adds (`known` are those the profile already names).
 */
export async function requireKeysExist(
  ctx: KeyLedgerContext,
  providerId: string,
  keyIds: readonly string[],
  known: readonly string[] = [],
): Promise<void> {
  for (const keyId of keyIds) {
    if (!known.includes(keyId) && !(await exists(ctx, masterKeyKey(ctx, keyId)))) {
      throw new NotFoundError(
        `key ${keyId} (in keyIds of provider ${providerId}) not found; create it with CreateKey first`,
      );
    }
  }
}
