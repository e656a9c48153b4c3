import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  parseIntArg,
  ValidationError,
  type KeyLedgerContext,
} from '../../lib';

export interface KeyedEntry {
  readonly key: string;
  readonly attributes: string[];
  readonly value: Uint8Array;
}

export interface KeyedPage {
  readonly entries: KeyedEntry[];
  readonly bookmark: string;
}

/** '' means the default page size. */
export function parsePageSize(raw: string): number {
  return raw === '' ? DEFAULT_PAGE_SIZE : parseIntArg(raw, 'pageSize', 1, MAX_PAGE_SIZE);
}

/**
 * One page of a partial composite key range with the keys (lib's `pageByPartialKey` returns values only; an
 * index entry's meaning is in its key). Query functions only. A bookmark is the next key of this very range,
 * so one from elsewhere is refused instead of starting the scan outside the range.
 */
export async function pageKeys(
  ctx: KeyLedgerContext,
  type: string,
  attributes: string[],
  pageSize: number,
  bookmark: string,
): Promise<KeyedPage> {
  const prefix = ctx.stub.createCompositeKey(type, attributes);
  if (bookmark !== '' && !bookmark.startsWith(prefix)) {
    throw new ValidationError('invalid bookmark: it does not belong to this listing');
  }
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    type,
    attributes,
    pageSize,
    bookmark,
  );
  const entries: KeyedEntry[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const { key, value } = next.value;
      entries.push({ key, attributes: ctx.stub.splitCompositeKey(key).attributes, value });
    }
  } finally {
    await iterator.close();
  }
  const more = entries.length === pageSize && metadata.bookmark !== '';
  return { entries, bookmark: more ? metadata.bookmark : '' };
}
