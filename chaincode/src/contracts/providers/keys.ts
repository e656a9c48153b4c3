import type { Context } from 'fabric-contract-api';
import { compositeKey, ObjectType, sortableInt } from '../../lib';

/** Object types this capability adds to lib's {@link ObjectType} (same `prov.` prefix). */
export const LocalType = {
  stats: 'prov.stats',
  batch: 'prov.batch',
  /** Customer master key records (the key registry); `prov.key` is the key id → provider index. */
  masterKey: 'prov.cmk',
} as const;

export function providerKey(ctx: Context, providerId: string): string {
  return compositeKey(ctx, ObjectType.provider, providerId);
}

export function keyIdIndexKey(ctx: Context, keyId: string, providerId: string): string {
  return compositeKey(ctx, ObjectType.providerKey, keyId, providerId);
}

export function algorithmIndexKey(ctx: Context, algorithm: string, providerId: string): string {
  return compositeKey(ctx, ObjectType.providerAlgorithm, algorithm, providerId);
}

/** Reputation entries sort by provider, then time, then transaction and position in the batch. */
export function reputationKey(
  ctx: Context,
  providerId: string,
  at: number,
  txId: string,
  index: number,
): string {
  return compositeKey(ctx, ObjectType.reputation, providerId, sortableInt(at), txId, sortableInt(index, 4));
}

export function statsKey(ctx: Context, providerId: string): string {
  return ctx.stub.createCompositeKey(LocalType.stats, [providerId]);
}

export function batchKey(ctx: Context, batchId: string): string {
  return ctx.stub.createCompositeKey(LocalType.batch, [batchId]);
}

export function masterKeyKey(ctx: Context, keyId: string): string {
  return ctx.stub.createCompositeKey(LocalType.masterKey, [keyId]);
}
