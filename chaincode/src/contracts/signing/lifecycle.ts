import {
  type KeyLedgerContext,
  listByPartialKey,
  mustReadJson,
  nextVersion,
  ObjectType,
  syncIndex,
  writeJson,
} from '../../lib';
import { ConflictError, ValidationError } from '../../protocol';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_SERVICE_ID,
  jwksUntil,
  type SigningKeyRecord,
} from '../../protocol/signing';
import { signingKeyKey, statusIndexKey } from './keys';

export interface KidRef {
  readonly kid: string;
}

/** A key retired as part of another key's activation, as the activation's event reports it. */
export interface RetiredRef {
  readonly kid: string;
  readonly version: number;
  readonly retiredAt: number;
  readonly jwksUntil: number;
}

/**
 * Records written before issuer scopes existed have no serviceId, graceMs or activatedAt; every such key was
 * active from its registration. New records always carry serviceId, so its absence marks the old shape.
 */
export function upgradeRecord(stored: SigningKeyRecord): SigningKeyRecord {
  if ((stored as Partial<SigningKeyRecord>).serviceId !== undefined) {
    return stored;
  }
  return {
    ...stored,
    serviceId: DEFAULT_SERVICE_ID,
    graceMs: DEFAULT_GRACE_MS,
    activatedAt: stored.activatedAt ?? stored.registeredAt,
  };
}

export async function readKey(ctx: KeyLedgerContext, kid: string): Promise<SigningKeyRecord> {
  return upgradeRecord(
    await mustReadJson<SigningKeyRecord>(ctx, signingKeyKey(ctx, kid), `signing key ${kid}`),
  );
}

/** Reads the keys a status index lists, in kid order. */
export async function keysWithStatus(
  ctx: KeyLedgerContext,
  status: SigningKeyRecord['status'],
): Promise<SigningKeyRecord[]> {
  const refs = await listByPartialKey<KidRef>(ctx, ObjectType.signingKeyStatus, [status]);
  const keys: SigningKeyRecord[] = [];
  for (const { kid } of refs) {
    keys.push(await readKey(ctx, kid));
  }
  return keys;
}

/** Writes a record whose status changed and moves its status index entry. */
export async function saveStatusChange(
  ctx: KeyLedgerContext,
  previous: SigningKeyRecord,
  next: SigningKeyRecord,
): Promise<void> {
  await syncIndex(ctx, [previous.status], [next.status], (status) => statusIndexKey(ctx, status, next.kid), {
    kid: next.kid,
  });
  await writeJson(ctx, signingKeyKey(ctx, next.kid), next);
}

/** active → retired, with the key's own grace unless `graceMs` overrides it. */
export async function retire(
  ctx: KeyLedgerContext,
  previous: SigningKeyRecord,
  graceMs = previous.graceMs,
): Promise<SigningKeyRecord> {
  const next = nextVersion(previous, { status: 'retired', retiredAt: ctx.now, graceMs }, ctx.now);
  await saveStatusChange(ctx, previous, next);
  return next;
}

/**
 * Makes room for `kid` to become the active key of `serviceId`: checks the key may sign now and that the
 * scope's active key is `expectedActiveKid` when one is named, then retires every active key of the scope (one,
 * or several written before the one-active rule). Reads the whole active index, which is small (one key per
 * service), so concurrent activations conflict on it at commit (phantom read) rather than both succeeding.
 */
export async function retireActiveOf(
  ctx: KeyLedgerContext,
  key: Pick<SigningKeyRecord, 'kid' | 'serviceId' | 'notBefore'>,
  expectedActiveKid: string | undefined,
): Promise<RetiredRef[]> {
  if (ctx.now < key.notBefore) {
    throw new ValidationError(
      `signing key ${key.kid} has notBefore ${key.notBefore}, after the transaction time ${ctx.now}; ` +
        'register it published and activate it once notBefore has passed',
    );
  }
  const active = (await keysWithStatus(ctx, 'active')).filter((other) => other.serviceId === key.serviceId);
  const activeKids = active.map((other) => other.kid);
  if (expectedActiveKid !== undefined && (activeKids.length !== 1 || activeKids[0] !== expectedActiveKid)) {
    throw new ConflictError(
      `service ${key.serviceId}: the active key is ${activeKids.length === 0 ? 'none' : activeKids.join(', ')}, ` +
        `not ${expectedActiveKid}`,
    );
  }
  const retired: RetiredRef[] = [];
  for (const previous of active) {
    const next = await retire(ctx, previous);
    retired.push({
      kid: next.kid,
      version: next.version,
      retiredAt: ctx.now,
      jwksUntil: jwksUntil(next) ?? ctx.now,
    });
  }
  return retired;
}
