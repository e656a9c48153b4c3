/** A key/value version: the block and transaction that last wrote it. */
export interface Version {
  readonly blockNum: number;
  readonly txNum: number;
}

export interface KV {
  readonly key: string;
  readonly value: Uint8Array;
}

export interface KeyModification {
  readonly txId: string;
  readonly value: Uint8Array;
  readonly isDelete: boolean;
  /** Timestamp of the transaction (channel header), epoch milliseconds. */
  readonly timestampMillis: number;
}

export interface QueryPage {
  readonly results: KV[];
  /** Empty when exhausted. */
  readonly bookmark: string;
}

/** Thrown for requests the simulator refuses (e.g. paginated query after a write); message as Fabric's. */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

/**
 * One transaction's simulation, as Fabric's TxSimulator: reads see committed state only and are recorded
 * with their versions; range queries are recorded for phantom-read validation; writes are buffered.
 * `ns` is the chaincode name (namespace). All keys are compared as UTF-8 bytes.
 */
export interface TxSimulator {
  getState(ns: string, key: string): Uint8Array | undefined;
  setState(ns: string, key: string, value: Uint8Array): void;
  deleteState(ns: string, key: string): void;
  /** [startKey, endKey) in UTF-8 order; endKey '' = unbounded. Pagination allowed only before any write. */
  getStateRange(
    ns: string,
    startKey: string,
    endKey: string,
    pageSize?: number,
    bookmark?: string,
  ): QueryPage;
  /** CouchDB-style (Mango) query over JSON values; not re-validated at commit (as in Fabric). */
  executeQuery(ns: string, query: string, pageSize?: number, bookmark?: string): QueryPage;
  getStateMetadata(ns: string, key: string): Map<string, Uint8Array>;
  setStateMetadata(ns: string, key: string, metadata: Map<string, Uint8Array>): void;

  getPrivateData(ns: string, collection: string, key: string): Uint8Array | undefined;
  getPrivateDataHash(ns: string, collection: string, key: string): Uint8Array | undefined;
  setPrivateData(ns: string, collection: string, key: string, value: Uint8Array): void;
  deletePrivateData(ns: string, collection: string, key: string): void;
  purgePrivateData(ns: string, collection: string, key: string): void;
  getPrivateDataRange(ns: string, collection: string, startKey: string, endKey: string): QueryPage;
  executePrivateQuery(ns: string, collection: string, query: string): QueryPage;
  getPrivateDataMetadata(ns: string, collection: string, key: string): Map<string, Uint8Array>;
  setPrivateDataMetadata(
    ns: string,
    collection: string,
    key: string,
    metadata: Map<string, Uint8Array>,
  ): void;

  /** Committed history, newest first. Not recorded in the read set. */
  getHistoryForKey(ns: string, key: string): KeyModification[];

  /** Ends the simulation. */
  done(): SimulationResults;
}

export interface SimulationResults {
  /** Serialised `rwset.TxReadWriteSet` (public data + collection hashes), namespaces and keys sorted. */
  readonly publicRwSet: Uint8Array;
  /** Serialised `rwset.TxPvtReadWriteSet`, or undefined when no private data was written. */
  readonly privateRwSet?: Uint8Array;
}
