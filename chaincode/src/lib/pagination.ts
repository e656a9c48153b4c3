import type { Context } from 'fabric-contract-api';
import type { ObjectTypeName } from './keys';
import { decodeJson } from './state';
import { ValidationError } from './errors';

export interface Page<T> {
  readonly items: T[];
  /** Pass back to get the next page; empty when there is none. */
  readonly bookmark: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Every record under a partial composite key. Usable in any transaction. */
export async function listByPartialKey<T>(
  ctx: Context,
  type: ObjectTypeName,
  attributes: string[],
): Promise<T[]> {
  const items: T[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    items.push(decodeJson<T>(entry.value));
  }
  return items;
}

/**
 * One page of records under a partial composite key. Fabric allows paginated queries only in read-only
 * transactions, so only query (evaluate) functions may call this.
 */
export async function pageByPartialKey<T>(
  ctx: Context,
  type: ObjectTypeName,
  attributes: string[],
  pageSize: number,
  bookmark: string,
): Promise<Page<T>> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ValidationError(`page size must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    type,
    attributes,
    pageSize,
    bookmark,
  );
  const items: T[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      items.push(decodeJson<T>(next.value.value));
    }
  } finally {
    await iterator.close();
  }
  const more = items.length === pageSize && metadata.bookmark !== '';
  return { items, bookmark: more ? metadata.bookmark : '' };
}
