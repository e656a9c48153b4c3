import { pageEntries, type KeyedEntry, type KeyLedgerContext, type Page } from '../../lib';
import { ValidationError } from '../../protocol';

/**
 * One page of a partial composite key range with the keys (an index entry's meaning is in its key). Query
 * functions only. A bookmark is the next key of this very range, so one from elsewhere is refused instead of
 * starting the scan outside the range.
 */
export async function pageKeys(
  ctx: KeyLedgerContext,
  type: string,
  attributes: string[],
  pageSize: number,
  bookmark: string,
): Promise<Page<KeyedEntry>> {
  const prefix = ctx.stub.createCompositeKey(type, attributes);
  if (bookmark !== '' && !bookmark.startsWith(prefix)) {
    throw new ValidationError('invalid bookmark: it does not belong to this listing');
  }
  return pageEntries(ctx, type, attributes, pageSize, bookmark);
}
