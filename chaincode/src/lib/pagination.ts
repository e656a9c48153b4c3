import type { Context } from 'fabric-contract-api';
import type { ObjectTypeName } from './keys';
import { decodeJson } from './state';
import { ValidationError } from '../protocol/errors';
import { parseIntArg } from './validation';

export interface Page<T> {
  readonly items: T[];
  /** Pass back to get the next page; empty when there is none. */
  readonly bookmark: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** A state entry with its composite key split up: an index entry's meaning is in its key, not its value. */
export interface KeyedEntry {
  readonly key: string;
  readonly attributes: string[];
  readonly value: Uint8Array;
}

/** A page size transaction argument: '' means {@link DEFAULT_PAGE_SIZE}, otherwise 1..{@link MAX_PAGE_SIZE}. */
export function parsePageSize(raw: string): number {
  return raw === '' ? DEFAULT_PAGE_SIZE : parseIntArg(raw, 'pageSize', 1, MAX_PAGE_SIZE);
}

/**
 * Every record under a partial composite key. Usable in any transaction. `type` is an {@link ObjectTypeName} or a
 * contract's own index type.
 */
export async function listByPartialKey<T>(ctx: Context, type: string, attributes: string[]): Promise<T[]> {
  const items: T[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    items.push(decodeJson<T>(entry.value));
  }
  return items;
}

/**
 * One page of entries under a partial composite key, keys included. Fabric allows paginated queries only in
 * read-only transactions, so only query (evaluate) functions may call this. `type` may also be a contract's own
 * index type outside {@link ObjectTypeName}.
 */
export async function pageEntries(
  ctx: Context,
  type: string,
  attributes: string[],
  pageSize: number,
  bookmark: string,
): Promise<Page<KeyedEntry>> {
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    type,
    attributes,
    pageSize,
    bookmark,
  );
  const items: KeyedEntry[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const { key, value } = next.value;
      items.push({ key, attributes: ctx.stub.splitCompositeKey(key).attributes, value });
    }
  } finally {
    await iterator.close();
  }
  const more = items.length === pageSize && metadata.bookmark !== '';
  return { items, bookmark: more ? metadata.bookmark : '' };
}

/** One page of records under a partial composite key, decoded. Query functions only, as {@link pageEntries}. */
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
  const page = await pageEntries(ctx, type, attributes, pageSize, bookmark);
  return { items: page.items.map((entry) => decodeJson<T>(entry.value)), bookmark: page.bookmark };
}
