import { createHash } from 'node:crypto';
import { ledger } from '@hyperledger/fabric-protos';
import {
  SimulationError,
  type KV,
  type KeyModification,
  type QueryPage,
  type SimulationResults,
  type TxSimulator,
  type Version,
} from '../../../src/ledger/types';

/**
 * Test double of the ledger behind `TxSimulator`, small but with Fabric's semantics where the chaincode runtime
 * can observe them: reads see committed state only (no read-your-writes), keys sort as UTF-8 bytes, paginated
 * queries only before any write and no writes after them, no writes after private data queries, private data
 * hashes from committed values, history newest first. Rich queries: a Mango subset (field equality, $eq, $gt,
 * $gte, $lt, $lte, $ne on dotted paths), results in key order.
 */
export class MemoryLedger {
  readonly #state = new Map<string, Map<string, StoredValue>>();
  readonly #private = new Map<string, Map<string, StoredValue>>();
  readonly #history = new Map<string, KeyModification[]>();
  #blockNum = 0;

  newSimulator(txId: string): MemorySimulator {
    return new MemorySimulator(this, txId);
  }

  /** Applies a finished simulation as if committed in its own block. */
  commit(simulator: MemorySimulator, timestampMillis = 1_700_000_000_000): void {
    this.#blockNum += 1;
    const version: Version = { blockNum: this.#blockNum, txNum: 0 };
    for (const [ns, writes] of simulator.writes) {
      for (const [key, value] of writes) {
        const table = this.#table(this.#state, ns);
        if (value === null) table.delete(key);
        else table.set(key, { value, version, metadata: table.get(key)?.metadata ?? new Map() });
        const history = this.#history.get(historyKey(ns, key)) ?? [];
        history.push({
          txId: simulator.txId,
          value: value ?? new Uint8Array(0),
          isDelete: value === null,
          timestampMillis,
        });
        this.#history.set(historyKey(ns, key), history);
      }
    }
    for (const [ns, writes] of simulator.metadataWrites) {
      for (const [key, metadata] of writes) {
        const stored = this.#table(this.#state, ns).get(key);
        if (stored) stored.metadata = metadata;
      }
    }
    for (const [nsCollection, writes] of simulator.privateWrites) {
      for (const [key, value] of writes) {
        const table = this.#table(this.#private, nsCollection);
        if (value === null) table.delete(key);
        else table.set(key, { value, version, metadata: table.get(key)?.metadata ?? new Map() });
      }
    }
    for (const [nsCollection, writes] of simulator.privateMetadataWrites) {
      for (const [key, metadata] of writes) {
        const stored = this.#table(this.#private, nsCollection).get(key);
        if (stored) stored.metadata = metadata;
      }
    }
    for (const [nsCollection, keys] of simulator.purges) {
      for (const key of keys) this.#table(this.#private, nsCollection).delete(key);
    }
  }

  committed(ns: string, key: string): StoredValue | undefined {
    return this.#state.get(ns)?.get(key);
  }

  committedPrivate(ns: string, collection: string, key: string): StoredValue | undefined {
    return this.#private.get(privateKey(ns, collection))?.get(key);
  }

  committedKeys(ns: string): string[] {
    return sortUtf8([...(this.#state.get(ns)?.keys() ?? [])]);
  }

  committedPrivateKeys(ns: string, collection: string): string[] {
    return sortUtf8([...(this.#private.get(privateKey(ns, collection))?.keys() ?? [])]);
  }

  history(ns: string, key: string): KeyModification[] {
    return [...(this.#history.get(historyKey(ns, key)) ?? [])].reverse();
  }

  #table(store: Map<string, Map<string, StoredValue>>, name: string): Map<string, StoredValue> {
    let table = store.get(name);
    if (!table) {
      table = new Map();
      store.set(name, table);
    }
    return table;
  }
}

export interface StoredValue {
  value: Uint8Array;
  version: Version;
  metadata: Map<string, Uint8Array>;
}

export class MemorySimulator implements TxSimulator {
  readonly txId: string;
  /** Buffered writes per namespace; null = delete. */
  readonly writes = new Map<string, Map<string, Uint8Array | null>>();
  readonly metadataWrites = new Map<string, Map<string, Map<string, Uint8Array>>>();
  readonly privateWrites = new Map<string, Map<string, Uint8Array | null>>();
  readonly privateMetadataWrites = new Map<string, Map<string, Map<string, Uint8Array>>>();
  readonly purges = new Map<string, Set<string>>();
  readonly reads: { ns: string; key: string; version?: Version }[] = [];
  readonly rangeQueries: { ns: string; startKey: string; endKey: string }[] = [];
  readonly #ledger: MemoryLedger;
  #writePerformed = false;
  #paginatedQueryPerformed = false;
  #privateQueryPerformed = false;
  #done = false;

  constructor(ledgerDouble: MemoryLedger, txId: string) {
    this.#ledger = ledgerDouble;
    this.txId = txId;
  }

  get isDone(): boolean {
    return this.#done;
  }

  getState(ns: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    const stored = this.#ledger.committed(ns, key);
    this.reads.push({ ns, key, version: stored?.version });
    return stored?.value;
  }

  setState(ns: string, key: string, value: Uint8Array): void {
    this.#checkWrite();
    nested(this.writes, ns).set(key, value);
  }

  deleteState(ns: string, key: string): void {
    this.#checkWrite();
    nested(this.writes, ns).set(key, null);
  }

  getStateRange(
    ns: string,
    startKey: string,
    endKey: string,
    pageSize?: number,
    bookmark?: string,
  ): QueryPage {
    this.#checkDone();
    if (pageSize !== undefined) this.#checkBeforePaginatedQuery();
    this.rangeQueries.push({ ns, startKey, endKey });
    const keys = inRange(this.#ledger.committedKeys(ns), bookmark || startKey, endKey);
    return this.#page(keys, pageSize, (key) => this.#ledger.committed(ns, key)?.value);
  }

  executeQuery(ns: string, query: string, pageSize?: number, bookmark?: string): QueryPage {
    this.#checkDone();
    if (pageSize !== undefined) this.#checkBeforePaginatedQuery();
    const selector = parseSelector(query);
    const keys = this.#ledger
      .committedKeys(ns)
      .filter((key) => matches(selector, this.#ledger.committed(ns, key)?.value))
      .filter((key) => !bookmark || compareUtf8(key, bookmark) >= 0);
    return this.#page(keys, pageSize, (key) => this.#ledger.committed(ns, key)?.value);
  }

  getStateMetadata(ns: string, key: string): Map<string, Uint8Array> {
    this.#checkDone();
    return new Map(this.#ledger.committed(ns, key)?.metadata ?? []);
  }

  setStateMetadata(ns: string, key: string, metadata: Map<string, Uint8Array>): void {
    this.#checkWrite();
    nested(this.metadataWrites, ns).set(key, new Map(metadata));
  }

  getPrivateData(ns: string, collection: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    return this.#ledger.committedPrivate(ns, collection, key)?.value;
  }

  getPrivateDataHash(ns: string, collection: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    const value = this.#ledger.committedPrivate(ns, collection, key)?.value;
    return value ? createHash('sha256').update(value).digest() : undefined;
  }

  setPrivateData(ns: string, collection: string, key: string, value: Uint8Array): void {
    this.#checkWrite();
    nested(this.privateWrites, privateKey(ns, collection)).set(key, value);
  }

  deletePrivateData(ns: string, collection: string, key: string): void {
    this.#checkWrite();
    nested(this.privateWrites, privateKey(ns, collection)).set(key, null);
  }

  purgePrivateData(ns: string, collection: string, key: string): void {
    this.#checkWrite();
    const purges = this.purges.get(privateKey(ns, collection)) ?? new Set<string>();
    purges.add(key);
    this.purges.set(privateKey(ns, collection), purges);
  }

  getPrivateDataRange(ns: string, collection: string, startKey: string, endKey: string): QueryPage {
    this.#checkDone();
    this.#checkBeforePrivateQuery();
    const keys = inRange(this.#ledger.committedPrivateKeys(ns, collection), startKey, endKey);
    return this.#page(keys, undefined, (key) => this.#ledger.committedPrivate(ns, collection, key)?.value);
  }

  executePrivateQuery(ns: string, collection: string, query: string): QueryPage {
    this.#checkDone();
    this.#checkBeforePrivateQuery();
    const selector = parseSelector(query);
    const keys = this.#ledger
      .committedPrivateKeys(ns, collection)
      .filter((key) => matches(selector, this.#ledger.committedPrivate(ns, collection, key)?.value));
    return this.#page(keys, undefined, (key) => this.#ledger.committedPrivate(ns, collection, key)?.value);
  }

  getPrivateDataMetadata(ns: string, collection: string, key: string): Map<string, Uint8Array> {
    this.#checkDone();
    return new Map(this.#ledger.committedPrivate(ns, collection, key)?.metadata ?? []);
  }

  setPrivateDataMetadata(
    ns: string,
    collection: string,
    key: string,
    metadata: Map<string, Uint8Array>,
  ): void {
    this.#checkWrite();
    nested(this.privateMetadataWrites, privateKey(ns, collection)).set(key, new Map(metadata));
  }

  getHistoryForKey(ns: string, key: string): KeyModification[] {
    this.#checkDone();
    return this.#ledger.history(ns, key);
  }

  done(): SimulationResults {
    this.#done = true;
    const txRwSet = new ledger.rwset.TxReadWriteSet();
    txRwSet.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
    const namespaces = sortUtf8([...new Set([...this.writes.keys(), ...this.reads.map((read) => read.ns)])]);
    for (const ns of namespaces) {
      const kvRwSet = new ledger.rwset.kvrwset.KVRWSet();
      for (const read of this.reads.filter((r) => r.ns === ns)) {
        const kvRead = new ledger.rwset.kvrwset.KVRead();
        kvRead.setKey(read.key);
        if (read.version) {
          const version = new ledger.rwset.kvrwset.Version();
          version.setBlockNum(read.version.blockNum);
          version.setTxNum(read.version.txNum);
          kvRead.setVersion(version);
        }
        kvRwSet.addReads(kvRead);
      }
      for (const [key, value] of [...(this.writes.get(ns) ?? new Map<string, Uint8Array | null>())].sort(
        ([a], [b]) => compareUtf8(a, b),
      )) {
        const write = new ledger.rwset.kvrwset.KVWrite();
        write.setKey(key);
        write.setIsDelete(value === null);
        if (value) write.setValue(value);
        kvRwSet.addWrites(write);
      }
      const nsRwSet = new ledger.rwset.NsReadWriteSet();
      nsRwSet.setNamespace(ns);
      nsRwSet.setRwset(kvRwSet.serializeBinary());
      txRwSet.addNsRwset(nsRwSet);
    }
    return { publicRwSet: txRwSet.serializeBinary() };
  }

  /** The value this simulation wrote for a key (undefined: not written, null: deleted). */
  written(ns: string, key: string): string | null | undefined {
    const value = this.writes.get(ns)?.get(key);
    if (value === undefined || value === null) return value;
    return Buffer.from(value).toString('utf8');
  }

  writtenPrivate(ns: string, collection: string, key: string): string | null | undefined {
    const value = this.privateWrites.get(privateKey(ns, collection))?.get(key);
    if (value === undefined || value === null) return value;
    return Buffer.from(value).toString('utf8');
  }

  #page(
    keys: string[],
    pageSize: number | undefined,
    valueOf: (key: string) => Uint8Array | undefined,
  ): QueryPage {
    const limit = pageSize ?? keys.length;
    const selected = keys.slice(0, limit);
    const results: KV[] = selected.map((key) => ({ key, value: valueOf(key) ?? new Uint8Array(0) }));
    const next = keys[limit];
    return { results, bookmark: pageSize !== undefined && next !== undefined ? next : '' };
  }

  #checkDone(): void {
    if (this.#done)
      throw new SimulationError(`txid [${this.txId}]: this instance should not be used after calling Done()`);
  }

  #checkWrite(): void {
    this.#checkDone();
    if (this.#privateQueryPerformed) {
      throw new SimulationError(
        `txid [${this.txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
      );
    }
    if (this.#paginatedQueryPerformed) {
      throw new SimulationError(
        `txid [${this.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
    this.#writePerformed = true;
  }

  #checkBeforePaginatedQuery(): void {
    if (this.#writePerformed) {
      throw new SimulationError(
        `txid [${this.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
      );
    }
    this.#paginatedQueryPerformed = true;
  }

  #checkBeforePrivateQuery(): void {
    if (this.#writePerformed) {
      throw new SimulationError(
        `txid [${this.txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`,
      );
    }
    this.#privateQueryPerformed = true;
  }
}

function nested<V>(map: Map<string, Map<string, V>>, name: string): Map<string, V> {
  let inner = map.get(name);
  if (!inner) {
    inner = new Map();
    map.set(name, inner);
  }
  return inner;
}

function privateKey(ns: string, collection: string): string {
  return `${ns}\u0000${collection}`;
}

function historyKey(ns: string, key: string): string {
  return `${ns}\u0000${key}`;
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortUtf8(keys: string[]): string[] {
  return keys.sort(compareUtf8);
}

/** [start, end) in UTF-8 order; end '' = unbounded. */
function inRange(keys: string[], startKey: string, endKey: string): string[] {
  return keys.filter(
    (key) => compareUtf8(key, startKey) >= 0 && (endKey === '' || compareUtf8(key, endKey) < 0),
  );
}

type Selector = Record<string, unknown>;

function parseSelector(query: string): Selector {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch {
    throw new SimulationError(`invalid query: ${query}`);
  }
  const selector = (parsed as { selector?: unknown }).selector;
  if (typeof selector !== 'object' || selector === null) throw new SimulationError('query has no selector');
  return selector as Selector;
}

function matches(selector: Selector, value: Uint8Array | undefined): boolean {
  if (!value) return false;
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return false;
  }
  return Object.entries(selector).every(([field, condition]) =>
    test(field.split('.').reduce<unknown>(member, document), condition),
  );
}

function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function test(actual: unknown, condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return actual === condition;
  return Object.entries(condition as Record<string, unknown>).every(([operator, expected]) => {
    switch (operator) {
      case '$eq':
        return actual === expected;
      case '$ne':
        return actual !== expected;
      case '$gt':
        return (actual as number) > (expected as number);
      case '$gte':
        return (actual as number) >= (expected as number);
      case '$lt':
        return (actual as number) < (expected as number);
      case '$lte':
        return (actual as number) <= (expected as number);
      default:
        throw new SimulationError(`unsupported operator ${operator}`);
    }
  });
}
