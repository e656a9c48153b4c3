import { emitEvent, nextVersion, parseId, parseJsonArg, validate, type KeyLedgerContext } from '../../lib';
import {
  ConflictError,
  ForbiddenError,
  identityRef,
  NotFoundError,
  sameIdentity,
  type IdentityRef,
} from '../../protocol';
import {
  KEY_OPERATIONS,
  MAX_KEY_GRANTS,
  type KeyAuthorization,
  type KeyGrant,
  type KeyGrantChange,
  type KeyOperation,
  type ProviderKey,
} from '../../protocol/providers';
import { readKey, writeKey } from './keyRegistry';
import { grantKeyUseSchema, keyOperationSchema, revokeKeyGrantSchema } from './keySchemas';

/**
 * Grants: who may use a key for which operations, like the grants of an AWS KMS key. A key holds at most one
 * grant per identity (MSP id + certificate fingerprint); granting again replaces it. The grantee need not be a
 * member yet (a grant may be made ahead of registration); using the key takes a role as every call does.
 */

/** Code-point order of `mspId`, then `fingerprint`: the order a key stores its grants in. */
function byGrantee(a: IdentityRef, b: IdentityRef): number {
  const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return compare(a.mspId, b.mspId) || compare(a.fingerprint, b.fingerprint);
}

function sortedOperations(operations: readonly KeyOperation[]): KeyOperation[] {
  return KEY_OPERATIONS.filter((operation) => operations.includes(operation));
}

/** An identity as messages show it: MSP id and the start of the fingerprint. */
function shortRef(identity: IdentityRef): string {
  return `${identity.mspId}/${identity.fingerprint.slice(0, 16)}…`;
}

function sameGrant(a: KeyGrant, b: KeyGrant): boolean {
  return a.name === b.name && a.operations.join(',') === b.operations.join(',');
}

function grantOf(key: ProviderKey, grantee: IdentityRef): KeyGrant | undefined {
  return key.grants.find((grant) => sameIdentity(grant, grantee));
}

/**
 * Arg: JSON {keyId, mspId, fingerprint, operations, name?}. Replaces the grantee's grant if it has one; the same
 * grant again is a no-op (no write, no event, `changed: false`), even on a disabled key; otherwise a disabled key
 * takes no grant (CONFLICT) and a key holds at most MAX_KEY_GRANTS (CONFLICT).
 */
export async function grantKeyUse(ctx: KeyLedgerContext, grantJson: string): Promise<KeyGrantChange> {
  const input = parseJsonArg(grantKeyUseSchema, grantJson, 'key grant');
  const previous = await readKey(ctx, input.keyId);
  const grantee = identityRef(input);
  const grant: KeyGrant = {
    ...grantee,
    name: input.name,
    operations: sortedOperations(input.operations),
    grantedAt: ctx.now,
    grantedBy: identityRef(ctx.caller),
  };
  const existing = grantOf(previous, grantee);
  if (existing && sameGrant(existing, grant)) {
    return { key: previous, grant: existing, changed: false };
  }
  if (previous.status !== 'enabled') {
    throw new ConflictError(`key ${previous.keyId} is disabled; enable it before granting its use`);
  }
  if (!existing && previous.grants.length >= MAX_KEY_GRANTS) {
    throw new ConflictError(
      `key ${previous.keyId} already has ${MAX_KEY_GRANTS} grants, the most a key may hold; revoke one first`,
    );
  }
  const others = previous.grants.filter((held) => !sameIdentity(held, grantee));
  const key = nextVersion(previous, { grants: [...others, grant].sort(byGrantee) }, ctx.now);
  await writeKey(ctx, key);
  emitEvent(ctx, 'KeyGrantChanged', {
    keyId: key.keyId,
    grantee,
    change: 'granted',
    operations: grant.operations,
    version: key.version,
  });
  return { key, grant, changed: true };
}

/** Arg: JSON {keyId, mspId, fingerprint}. Also allowed on a disabled key. */
export async function revokeKeyGrant(ctx: KeyLedgerContext, revokeJson: string): Promise<KeyGrantChange> {
  const input = parseJsonArg(revokeKeyGrantSchema, revokeJson, 'key grant revocation');
  const previous = await readKey(ctx, input.keyId);
  const grantee = identityRef(input);
  const grant = grantOf(previous, grantee);
  if (!grant) {
    throw new NotFoundError(`key ${previous.keyId} has no grant for ${shortRef(grantee)}`);
  }
  const grants = previous.grants.filter((held) => !sameIdentity(held, grantee));
  const key = nextVersion(previous, { grants }, ctx.now);
  await writeKey(ctx, key);
  emitEvent(ctx, 'KeyGrantChanged', {
    keyId: key.keyId,
    grantee,
    change: 'revoked',
    operations: [],
    version: key.version,
  });
  return { key, grant, changed: true };
}

/**
 * Whether the caller may use a key for an operation: the key exists (else NOT_FOUND), is enabled and the
 * caller's grant includes the operation (else FORBIDDEN saying which of these failed).
 */
export async function authorizeKeyUse(
  ctx: KeyLedgerContext,
  keyId: string,
  operation: string,
): Promise<KeyAuthorization> {
  const id = parseId(keyId, 'keyId');
  const wanted = validate(keyOperationSchema, operation, 'operation');
  const key = await readKey(ctx, id);
  if (key.status !== 'enabled') {
    throw new ForbiddenError(`key ${id} is disabled; no operation is allowed on it`);
  }
  const caller = identityRef(ctx.caller);
  const grant = grantOf(key, caller);
  if (!grant) {
    throw new ForbiddenError(`caller ${shortRef(caller)} holds no grant on key ${id}`);
  }
  if (!grant.operations.includes(wanted)) {
    throw new ForbiddenError(
      `the grant of caller ${shortRef(caller)} on key ${id} allows ${grant.operations.join(', ')}, not ${wanted}`,
    );
  }
  return {
    keyId: id,
    operation: wanted,
    allowed: true,
    keyVersion: key.version,
    algorithm: key.algorithm,
    grantee: caller,
    operations: grant.operations,
    asOf: ctx.now,
  };
}
