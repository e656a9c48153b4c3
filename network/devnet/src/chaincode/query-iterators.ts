import { randomUUID } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';

/** Results per QueryResponse batch between peer and shim (Fabric's `QueryResponseGenerator.MaxResultLimit`). */
export const QUERY_BATCH_SIZE = 100;

/** Fabric's default `ledger.state.totalQueryLimit`: the most results one non-paginated query returns. */
export const TOTAL_QUERY_LIMIT = 100_000;

interface OpenIterator {
  readonly results: readonly Uint8Array[];
  offset: number;
}

/**
 * The open query iterators of one transaction context. The simulator hands over complete result lists; this
 * class cuts them into the batches the shim pulls with QUERY_STATE_NEXT, as Fabric's query response generator
 * does: `has_more` is set only when another result really follows, so the shim never asks for an empty batch.
 */
export class QueryIterators {
  readonly #iterators = new Map<string, OpenIterator>();

  /**
   * Opens a non-paginated iterator over serialised results (`queryresult.KV` or `KeyModification`) and returns
   * the first `QueryResponse`. Results beyond {@link TOTAL_QUERY_LIMIT} are dropped, as Fabric does.
   */
  open(results: readonly Uint8Array[]): Uint8Array {
    const id = randomUUID();
    const iterator: OpenIterator = { results: results.slice(0, TOTAL_QUERY_LIMIT), offset: 0 };
    this.#iterators.set(id, iterator);
    return this.#nextBatch(id, iterator);
  }

  /**
   * A paginated query answers with the whole page at once, `has_more` false and
   * `QueryResponseMetadata{fetched_records_count, bookmark}`; nothing stays open (Fabric cleans the context up).
   */
  page(results: readonly Uint8Array[], bookmark: string): Uint8Array {
    const metadata = new peer.QueryResponseMetadata();
    metadata.setFetchedRecordsCount(results.length);
    metadata.setBookmark(bookmark);
    const response = new peer.QueryResponse();
    response.setResultsList(results.map(toResultBytes));
    response.setHasMore(false);
    response.setId(randomUUID());
    response.setMetadata(metadata.serializeBinary());
    return response.serializeBinary();
  }

  /** QUERY_STATE_NEXT. Throws Fabric's "query iterator not found" for unknown or exhausted ids. */
  next(id: string): Uint8Array {
    const iterator = this.#iterators.get(id);
    if (!iterator) throw new Error('query iterator not found');
    return this.#nextBatch(id, iterator);
  }

  /** QUERY_STATE_CLOSE: always succeeds, as in Fabric, with `{has_more: false, id}`. */
  close(id: string): Uint8Array {
    this.#iterators.delete(id);
    const response = new peer.QueryResponse();
    response.setHasMore(false);
    response.setId(id);
    return response.serializeBinary();
  }

  /** Drops every open iterator (the transaction completed). */
  clear(): void {
    this.#iterators.clear();
  }

  get size(): number {
    return this.#iterators.size;
  }

  #nextBatch(id: string, iterator: OpenIterator): Uint8Array {
    const batch = iterator.results.slice(iterator.offset, iterator.offset + QUERY_BATCH_SIZE);
    iterator.offset += batch.length;
    const hasMore = iterator.offset < iterator.results.length;
    if (!hasMore) this.#iterators.delete(id);
    const response = new peer.QueryResponse();
    response.setResultsList(batch.map(toResultBytes));
    response.setHasMore(hasMore);
    response.setId(id);
    return response.serializeBinary();
  }
}

function toResultBytes(bytes: Uint8Array): peer.QueryResultBytes {
  const result = new peer.QueryResultBytes();
  result.setResultbytes(bytes);
  return result;
}
