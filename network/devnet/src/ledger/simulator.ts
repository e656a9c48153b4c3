/**
 * Fabric's transaction simulator (core/ledger/kvledger/txmgmt/txmgr/tx_simulator.go + query_executor.go) over the
 * in-memory world state: reads see committed state only (no read-your-writes) and are recorded with their versions,
 * writes are buffered in the rwset, range scans are recorded for phantom validation, and the same preconditions refuse
 * paginated queries after a write, writes after a paginated query, private-data queries after a write and writes after
 * a private-data query — with Fabric's messages, typo included.
 */
import { ledger } from '@hyperledger/fabric-protos';
import {
  SimulationError,
  type KeyModification,
  type KV,
  type QueryPage,
  type SimulationResults,
  type TxSimulator,
  type Version,
} from './types';
import { hashedNamespace, privateNamespace, type StateReader, type VersionedValue } from './statedb';
import { RWSetBuilder, newKVRead, sha256 } from './rwsetbuilder';
import { RangeQueryResultsHelper } from './rangehelper';
import { executeMangoQuery, parseMangoQuery } from './richquery';

/** What a simulator needs from the ledger besides state. */
export interface HistoryReader {
  getHistoryForKey(ns: string, key: string): KeyModification[];
}

export interface SimulatorOptions {
  /**
   * Accepted for the endorser's convenience; it does not change semantics. Fabric's endorser runs evaluations in a
   * full TxSimulator too, and "read-only" in its pagination rule means "has performed no write yet".
   */
  readonly readOnly?: boolean;
}

const EMPTY = new Uint8Array(0);

/** Hex SHA-256 of a private key: the key of the hashed state. */
export function keyHashHex(key: string): string {
  return Buffer.from(sha256(key)).toString('hex');
}

/** Go's `%s` of a *version.Height, for Fabric's private-data message. */
function goHeight(v: Version | undefined): string {
  return v === undefined ? '<nil>' : `{BlockNum: ${v.blockNum}, TxNum: ${v.txNum}}`;
}

function sameVersion(a: Version | undefined, b: Version | undefined): boolean {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}

function metadataCopy(vv: VersionedValue | undefined): Map<string, Uint8Array> {
  return new Map(vv?.metadata ?? []);
}

export class TxSimulatorImpl implements TxSimulator {
  readonly #db: StateReader;
  readonly #history: HistoryReader;
  readonly #txId: string;
  readonly #onDone: (() => void) | undefined;
  readonly #rwset = new RWSetBuilder();
  #writePerformed = false;
  #pvtQueriesPerformed = false;
  #paginatedQueriesPerformed = false;
  #done = false;

  /**
   * @param db committed state, normally a snapshot fixed at the simulation's start
   * @param onDone called once when the simulation ends (releases the snapshot)
   */
  constructor(
    db: StateReader,
    history: HistoryReader,
    txId: string,
    _options: SimulatorOptions = {},
    onDone?: () => void,
  ) {
    this.#db = db;
    this.#history = history;
    this.#txId = txId;
    this.#onDone = onDone;
  }

  get txId(): string {
    return this.#txId;
  }

  getState(ns: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    const vv = this.#db.get(ns, key);
    this.#rwset.addRead(ns, key, vv?.version);
    return vv?.value;
  }

  setState(ns: string, key: string, value: Uint8Array): void {
    this.#checkWritePrecondition();
    this.#rwset.addWrite(ns, key, value);
  }

  deleteState(ns: string, key: string): void {
    this.setState(ns, key, EMPTY);
  }

  getStateRange(ns: string, startKey: string, endKey: string, pageSize = 0, bookmark = ''): QueryPage {
    this.#checkDone();
    // The peer's handler treats the query as paginated when a page size or a bookmark is given.
    const paginated = pageSize > 0 || bookmark !== '';
    if (paginated) {
      this.#checkBeforePaginatedQueries();
    }
    const start = paginated && bookmark !== '' ? bookmark : startKey;
    const limit = paginated && pageSize > 0 ? pageSize : Infinity;
    const helper = new RangeQueryResultsHelper();
    const results: KV[] = [];
    let nextBookmark = '';
    for (const [key, vv] of this.#db.range(ns, start, endKey)) {
      if (results.length >= limit) {
        nextBookmark = key; // LevelDB's GetBookmarkAndClose: the next key, or '' when none
        break;
      }
      helper.add(newKVRead(key, vv.version));
      results.push({ key, value: vv.value });
    }
    // The handler stops asking once the page is full, so the iterator is then not exhausted and the recorded range
    // ends at the last key returned.
    const exhausted = results.length < limit;
    const rqi = new ledger.rwset.kvrwset.RangeQueryInfo();
    rqi.setStartKey(start);
    rqi.setEndKey(exhausted ? endKey : (results[results.length - 1] as KV).key);
    rqi.setItrExhausted(exhausted);
    const { reads, summary } = helper.done();
    if (summary !== undefined) {
      const m = new ledger.rwset.kvrwset.QueryReadsMerkleSummary();
      m.setMaxDegree(summary.maxDegree);
      m.setMaxLevel(summary.maxLevel);
      m.setMaxLevelHashesList([...summary.maxLevelHashes]);
      rqi.setReadsMerkleHashes(m);
    } else if (reads.length > 0) {
      const qr = new ledger.rwset.kvrwset.QueryReads();
      qr.setKvReadsList(reads);
      rqi.setRawReads(qr);
    }
    this.#rwset.addRangeQuery(ns, rqi);
    return { results, bookmark: nextBookmark };
  }

  executeQuery(ns: string, query: string, pageSize = 0, bookmark = ''): QueryPage {
    this.#checkDone();
    const paginated = pageSize > 0 || bookmark !== '';
    if (paginated) {
      this.#checkBeforePaginatedQueries();
    }
    const parsed = parseMangoQuery(query);
    const page = executeMangoQuery(this.#db.range(ns, '', ''), parsed, { paginated, pageSize, bookmark });
    // Rich-query results join the read set (MVCC-checked at commit) but are not re-run for phantoms, as in Fabric.
    for (const row of page.rows) {
      this.#rwset.addRead(ns, row.key, row.version);
    }
    return { results: page.rows.map((r) => ({ key: r.key, value: r.value })), bookmark: page.bookmark };
  }

  getStateMetadata(ns: string, key: string): Map<string, Uint8Array> {
    this.#checkDone();
    const vv = this.#db.get(ns, key);
    this.#rwset.addRead(ns, key, vv?.version);
    return metadataCopy(vv);
  }

  setStateMetadata(ns: string, key: string, metadata: Map<string, Uint8Array>): void {
    this.#checkWritePrecondition();
    this.#rwset.addMetadataWrite(ns, key, metadata);
  }

  getPrivateData(ns: string, collection: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    const pvt = this.#db.get(privateNamespace(ns, collection), key);
    const hashed = this.#db.get(hashedNamespace(ns, collection), keyHashHex(key));
    if (!sameVersion(hashed?.version, pvt?.version)) {
      throw new SimulationError(
        `private data matching public hash version is not available. Public hash version = ${goHeight(hashed?.version)}, Private data version = ${goHeight(pvt?.version)}`,
      );
    }
    this.#rwset.addHashedRead(ns, collection, key, pvt?.version);
    return pvt?.value;
  }

  getPrivateDataHash(ns: string, collection: string, key: string): Uint8Array | undefined {
    this.#checkDone();
    const hashed = this.#db.get(hashedNamespace(ns, collection), keyHashHex(key));
    this.#rwset.addHashedRead(ns, collection, key, hashed?.version);
    return hashed?.value;
  }

  setPrivateData(ns: string, collection: string, key: string, value: Uint8Array): void {
    this.#checkWritePrecondition();
    this.#rwset.addPrivateWrite(ns, collection, key, value);
  }

  deletePrivateData(ns: string, collection: string, key: string): void {
    this.setPrivateData(ns, collection, key, EMPTY);
  }

  purgePrivateData(ns: string, collection: string, key: string): void {
    this.#checkWritePrecondition();
    this.#rwset.addPrivateWrite(ns, collection, key, undefined, true);
  }

  getPrivateDataRange(ns: string, collection: string, startKey: string, endKey: string): QueryPage {
    this.#checkBeforePvtdataQueries();
    this.#checkDone();
    const results: KV[] = [];
    for (const [key, vv] of this.#db.range(privateNamespace(ns, collection), startKey, endKey)) {
      results.push({ key, value: vv.value });
    }
    return { results, bookmark: '' };
  }

  executePrivateQuery(ns: string, collection: string, query: string): QueryPage {
    this.#checkBeforePvtdataQueries();
    this.#checkDone();
    const parsed = parseMangoQuery(query);
    const page = executeMangoQuery(this.#db.range(privateNamespace(ns, collection), '', ''), parsed, {
      paginated: false,
      pageSize: 0,
      bookmark: '',
    });
    return { results: page.rows.map((r) => ({ key: r.key, value: r.value })), bookmark: '' };
  }

  getPrivateDataMetadata(ns: string, collection: string, key: string): Map<string, Uint8Array> {
    this.#checkDone();
    const hashed = this.#db.get(hashedNamespace(ns, collection), keyHashHex(key));
    this.#rwset.addHashedRead(ns, collection, key, hashed?.version);
    return metadataCopy(hashed);
  }

  setPrivateDataMetadata(
    ns: string,
    collection: string,
    key: string,
    metadata: Map<string, Uint8Array>,
  ): void {
    this.#checkWritePrecondition();
    this.#rwset.addPrivateMetadataWrite(ns, collection, key, metadata);
  }

  getHistoryForKey(ns: string, key: string): KeyModification[] {
    this.#checkDone();
    return this.#history.getHistoryForKey(ns, key);
  }

  done(): SimulationResults {
    if (this.#done) {
      throw new SimulationError(
        'this function should only be called once on a transaction simulator instance',
      );
    }
    this.#done = true;
    this.#onDone?.();
    return this.#rwset.build();
  }

  #checkDone(): void {
    if (this.#done) {
      throw new SimulationError('this instance should not be used after calling Done()');
    }
  }

  #checkWritePrecondition(): void {
    this.#checkDone();
    if (this.#pvtQueriesPerformed) {
      throw new SimulationError(
        `txid [${this.#txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
      );
    }
    if (this.#paginatedQueriesPerformed) {
      throw new SimulationError(
        `txid [${this.#txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
    this.#writePerformed = true;
  }

  #checkBeforePvtdataQueries(): void {
    if (this.#writePerformed) {
      throw new SimulationError(
        `txid [${this.#txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`,
      );
    }
    this.#pvtQueriesPerformed = true;
  }

  #checkBeforePaginatedQueries(): void {
    if (this.#writePerformed) {
      throw new SimulationError(
        `txid [${this.#txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
      );
    }
    this.#paginatedQueriesPerformed = true;
  }
}
