import { decodeJson, mustReadJson, ObjectType, readJson, syncIndex, type KeyLedgerContext } from '../../lib';
import type { ProviderProfile, ProviderStats, ReputationRecord } from '../../protocol/providers';
import { algorithmIndexKey, keyIdIndexKey, providerKey, statsKey } from './keys';

export async function readProvider(ctx: KeyLedgerContext, providerId: string): Promise<ProviderProfile> {
  return mustReadJson<ProviderProfile>(ctx, providerKey(ctx, providerId), `provider ${providerId}`);
}

export async function readStats(
  ctx: KeyLedgerContext,
  providerId: string,
): Promise<ProviderStats | undefined> {
  return readJson<ProviderStats>(ctx, statsKey(ctx, providerId));
}

/** Keeps the key-id and algorithm indexes (value → provider) in step with a profile change. */
export async function syncIndexes(
  ctx: KeyLedgerContext,
  previous: ProviderProfile | undefined,
  next: ProviderProfile,
): Promise<void> {
  const entry = { providerId: next.providerId };
  const keyIdKey = (keyId: string): string => keyIdIndexKey(ctx, keyId, next.providerId);
  const algorithmKey = (algorithm: string): string => algorithmIndexKey(ctx, algorithm, next.providerId);
  await syncIndex(ctx, previous?.keyIds ?? [], next.keyIds, keyIdKey, entry);
  await syncIndex(ctx, previous?.algorithms ?? [], next.algorithms, algorithmKey, entry);
}

/** The newest `count` reputation entries of a provider, newest first (keys sort by time, ascending). */
export async function recentEntries(
  ctx: KeyLedgerContext,
  providerId: string,
  count: number,
): Promise<ReputationRecord[]> {
  if (count === 0) {
    return [];
  }
  const window: ReputationRecord[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(ObjectType.reputation, [providerId])) {
    window.push(decodeJson<ReputationRecord>(entry.value));
    if (window.length > count) {
      window.shift();
    }
  }
  return window.reverse();
}
