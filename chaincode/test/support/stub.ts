import { ChaincodeStub as RealChaincodeStub } from 'fabric-shim';
import type { ChaincodeStub, Iterators, StateQueryResponse } from 'fabric-shim-api';
import { compareUtf8, type MockLedger } from './ledger';

/** The creator of a proposal as the shim reports it. */
export interface Creator {
  readonly mspid: string;
  readonly idBytes: Uint8Array;
}

export interface TxInput {
  readonly txId: string;
  readonly channelId: string;
  readonly timestampMillis: number;
  readonly creator: Creator;
  readonly fcn: string;
  readonly params: readonly string[];
  readonly transient?: ReadonlyMap<string, Uint8Array>;
}

export interface RecordedEvent {
  readonly name: string;
  readonly payload: Buffer;
}

type KV = Iterators.KV;
type KeyModification = Iterators.KeyModification;

const EMPTY_KEY_SUBSTITUTE = '\u0001';
const COMPOSITE_NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';

/**
 * Stub for one simulated transaction that honours the rules a Fabric peer enforces:
 * - reads see committed state only: a transaction never reads its own writes;
 * - range and partial-composite-key queries iterate keys in UTF-8 byte order;
 * - simple-key range queries skip composite keys, and reject composite keys as bounds;
 * - paginated queries are allowed only in read-only transactions, and no write may follow one;
 * - composite keys are built and split by the real fabric-shim code;
 * - only the last `setEvent` survives, as in Fabric.
 * Writes are buffered and committed by the harness only when the transaction succeeds.
 */
export class MockStub {
  readonly writes = new Map<string, Buffer | null>();
  event?: RecordedEvent;
  readonly #ledger: MockLedger;
  readonly #input: TxInput;
  #paginatedQueryDone = false;

  constructor(ledger: MockLedger, input: TxInput) {
    this.#ledger = ledger;
    this.#input = input;
  }

  asChaincodeStub(): ChaincodeStub {
    return this as unknown as ChaincodeStub;
  }

  getTxID(): string {
    return this.#input.txId;
  }

  getChannelID(): string {
    return this.#input.channelId;
  }

  getCreator(): Creator {
    return this.#input.creator;
  }

  getMspID(): string {
    return 'PeerOrgMSP';
  }

  getTransient(): Map<string, Uint8Array> {
    return new Map(this.#input.transient ?? []);
  }

  getArgs(): string[] {
    return [this.#input.fcn, ...this.#input.params];
  }

  getStringArgs(): string[] {
    return this.getArgs();
  }

  getBufferArgs(): Buffer[] {
    return this.getArgs().map((arg) => Buffer.from(arg, 'utf8'));
  }

  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.#input.fcn, params: [...this.#input.params] };
  }

  getTxTimestamp(): { seconds: number; nanos: number } {
    const millis = this.#input.timestampMillis;
    return { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 };
  }

  getDateTimestamp(): Date {
    return new Date(this.#input.timestampMillis);
  }

  async getState(key: string): Promise<Uint8Array> {
    validateKey(key);
    return Buffer.from(this.#ledger.get(key)?.value ?? Buffer.alloc(0));
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    validateKey(key);
    this.#checkWritable();
    // As in Fabric's rwset builder, an empty value is a delete.
    this.writes.set(key, value.length === 0 ? null : Buffer.from(value));
  }

  async deleteState(key: string): Promise<void> {
    validateKey(key);
    this.#checkWritable();
    this.writes.set(key, null);
  }

  getStateByRange(
    startKey: string,
    endKey: string,
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<KV> {
    const start = startKey === '' ? EMPTY_KEY_SUBSTITUTE : startKey;
    validateSimpleKeys(start, endKey);
    const rows = this.#rows(start, endKey).filter((row) => !row.key.startsWith(COMPOSITE_NS));
    return asyncIterable(Promise.resolve(queryIterator(rows)));
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark?: string,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<KV> {
    const start = bookmark ? bookmark : startKey === '' ? EMPTY_KEY_SUBSTITUTE : startKey;
    validateSimpleKeys(start, endKey);
    const rows = this.#rows(start, endKey).filter((row) => !row.key.startsWith(COMPOSITE_NS));
    return asyncIterable(Promise.resolve(this.#page(rows, pageSize)));
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return RealChaincodeStub.prototype.createCompositeKey.call(this, objectType, attributes);
  }

  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    return RealChaincodeStub.prototype.splitCompositeKey.call(this, compositeKey);
  }

  getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return asyncIterable(Promise.resolve(queryIterator(this.#rows(prefix, prefix + MAX_RUNE))));
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark?: string,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    const start = bookmark ? bookmark : prefix;
    return asyncIterable(Promise.resolve(this.#page(this.#rows(start, prefix + MAX_RUNE), pageSize)));
  }

  getHistoryForKey(key: string): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<KeyModification> {
    const records: KeyModification[] = this.#ledger.history(key).map((record) => ({
      txId: record.txId,
      value: Buffer.from(record.value),
      isDelete: record.isDelete,
      timestamp: {
        seconds: Math.floor(record.timestampMillis / 1000),
        nanos: (record.timestampMillis % 1000) * 1_000_000,
      } as unknown as KeyModification['timestamp'],
    }));
    return asyncIterable(
      Promise.resolve(queryIterator(records) as unknown as Iterators.HistoryQueryIterator),
    );
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') {
      throw new Error('Event name must be a non-empty string');
    }
    this.event = { name, payload: Buffer.from(payload) };
  }

  #rows(startKey: string, endKey: string): KV[] {
    return this.#ledger.range(startKey, endKey).map((row) => ({ namespace: 'keyledger', ...row }));
  }

  #page(rows: KV[], pageSize: number): StateQueryResponse<Iterators.StateQueryIterator> {
    if (this.writes.size > 0) {
      throw new Error(
        'transaction has already performed writes. Performing paginated query is not supported',
      );
    }
    this.#paginatedQueryDone = true;
    const page = rows.slice(0, pageSize);
    const next = rows[pageSize];
    return {
      iterator: queryIterator(page),
      metadata: { fetchedRecordsCount: page.length, bookmark: next ? next.key : '' },
    };
  }

  #checkWritable(): void {
    if (this.#paginatedQueryDone) {
      throw new Error('transaction has already performed a paginated query. Writes are not allowed');
    }
  }
}

function validateKey(key: string): void {
  if (typeof key !== 'string' || key === '') {
    throw new Error('key must not be an empty string');
  }
  if (Buffer.from(key, 'utf8').toString('utf8') !== key) {
    throw new Error(`key ${JSON.stringify(key)} is not valid UTF-8`);
  }
}

function validateSimpleKeys(...keys: string[]): void {
  for (const key of keys) {
    if (key && key.startsWith(COMPOSITE_NS)) {
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
}

/** An iterator over a snapshot, taken when the query was made. */
function queryIterator<T>(rows: T[]): Iterators.StateQueryIterator {
  let position = 0;
  let closed = false;
  const iterator = {
    async next(): Promise<{ value: T; done: false } | { value?: undefined; done: true }> {
      if (closed) {
        throw new Error('query iterator not found');
      }
      const row = rows[position];
      if (row === undefined) {
        return { done: true };
      }
      position += 1;
      return { value: row, done: false };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
  return iterator as unknown as Iterators.StateQueryIterator;
}

/** The shim returns a promise that is also async-iterable; reproduce that shape. */
function asyncIterable<R, T>(promise: Promise<R>): Promise<R> & AsyncIterable<T> {
  interface Closable {
    next(): Promise<IteratorResult<T>>;
    close(): Promise<void>;
  }
  const iterable = promise as Promise<R> & AsyncIterable<T>;
  iterable[Symbol.asyncIterator] = (): AsyncIterator<T> => {
    let iterator: Closable | undefined;
    const resolve = async (): Promise<Closable> => {
      if (!iterator) {
        const response = (await promise) as unknown as Closable & { iterator?: Closable };
        iterator = response.iterator ?? response;
      }
      return iterator;
    };
    return {
      async next(): Promise<IteratorResult<T>> {
        const it = await resolve();
        const next = await it.next();
        if (next.done) {
          await it.close();
        }
        return next;
      },
      async return(): Promise<IteratorResult<T>> {
        await (await resolve()).close();
        return { done: true, value: undefined };
      },
    };
  };
  return iterable;
}

export { compareUtf8 };
