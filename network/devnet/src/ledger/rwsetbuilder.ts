/**
 * Builds a transaction's read-write set as Fabric's rwsetutil.RWSetBuilder does, so the bytes an endorser signs are
 * the bytes a real peer would produce for the same calls: namespaces, collections, keys and metadata entry names sorted
 * in UTF-8 order; range queries in call order (deduplicated); last write to a key wins; private writes go to the
 * private rwset while the public rwset carries SHA-256(key) / SHA-256(value) and the hash of each collection's
 * private rwset.
 */
import { createHash } from 'node:crypto';
import { ledger } from '@hyperledger/fabric-protos';
import type { Version } from './types';
import { compareUtf8 } from './keys';

const kv = ledger.rwset.kvrwset;
const rw = ledger.rwset;

export function sha256(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(data).digest();
}

function protoVersion(version: Version | undefined): ledger.rwset.kvrwset.Version | undefined {
  if (version === undefined) {
    return undefined;
  }
  const v = new kv.Version();
  v.setBlockNum(version.blockNum);
  v.setTxNum(version.txNum);
  return v;
}

/** A KVRead with a nil version for a missing key, as rwsetutil.NewKVRead. */
export function newKVRead(key: string, version: Version | undefined): ledger.rwset.kvrwset.KVRead {
  const r = new kv.KVRead();
  r.setKey(key);
  const v = protoVersion(version);
  if (v !== undefined) {
    r.setVersion(v);
  }
  return r;
}

function newKVWrite(key: string, value: Uint8Array | undefined): ledger.rwset.kvrwset.KVWrite {
  const w = new kv.KVWrite();
  w.setKey(key);
  if (value === undefined || value.length === 0) {
    w.setIsDelete(true);
  } else {
    w.setValue(value);
  }
  return w;
}

function metadataEntries(metadata: ReadonlyMap<string, Uint8Array>): ledger.rwset.kvrwset.KVMetadataEntry[] {
  return [...metadata.keys()].sort(compareUtf8).map((name) => {
    const e = new kv.KVMetadataEntry();
    e.setName(name);
    e.setValue(metadata.get(name) as Uint8Array);
    return e;
  });
}

function sortedValues<V>(map: ReadonlyMap<string, V>): V[] {
  return [...map.keys()].sort(compareUtf8).map((k) => map.get(k) as V);
}

function rangeQueryKey(rqi: ledger.rwset.kvrwset.RangeQueryInfo): string {
  return JSON.stringify([rqi.getStartKey(), rqi.getEndKey(), rqi.getItrExhausted()]);
}

class CollHashedBuilder {
  readonly reads = new Map<string, ledger.rwset.kvrwset.KVReadHash>();
  readonly writes = new Map<string, ledger.rwset.kvrwset.KVWriteHash>();
  readonly metadataWrites = new Map<string, ledger.rwset.kvrwset.KVMetadataWriteHash>();
  pvtRwSetHash?: Uint8Array;
}

class NsPublicBuilder {
  readonly reads = new Map<string, ledger.rwset.kvrwset.KVRead>();
  readonly writes = new Map<string, ledger.rwset.kvrwset.KVWrite>();
  readonly metadataWrites = new Map<string, ledger.rwset.kvrwset.KVMetadataWrite>();
  readonly rangeQueries = new Map<string, ledger.rwset.kvrwset.RangeQueryInfo>();
  readonly collections = new Map<string, CollHashedBuilder>();

  collection(name: string): CollHashedBuilder {
    let b = this.collections.get(name);
    if (b === undefined) {
      b = new CollHashedBuilder();
      this.collections.set(name, b);
    }
    return b;
  }
}

class CollPrivateBuilder {
  readonly writes = new Map<string, ledger.rwset.kvrwset.KVWrite>();
  readonly metadataWrites = new Map<string, ledger.rwset.kvrwset.KVMetadataWrite>();
}

/** Serialised results of a simulation. */
export interface RwSetBytes {
  readonly publicRwSet: Uint8Array;
  readonly privateRwSet?: Uint8Array;
}

export class RWSetBuilder {
  readonly #pub = new Map<string, NsPublicBuilder>();
  readonly #pvt = new Map<string, Map<string, CollPrivateBuilder>>();

  addRead(ns: string, key: string, version: Version | undefined): void {
    this.#ns(ns).reads.set(key, newKVRead(key, version));
  }

  /** Empty or undefined value = delete. */
  addWrite(ns: string, key: string, value: Uint8Array | undefined): void {
    this.#ns(ns).writes.set(key, newKVWrite(key, value));
  }

  /** An empty map deletes the key's metadata. */
  addMetadataWrite(ns: string, key: string, metadata: ReadonlyMap<string, Uint8Array>): void {
    const w = new kv.KVMetadataWrite();
    w.setKey(key);
    w.setEntriesList(metadataEntries(metadata));
    this.#ns(ns).metadataWrites.set(key, w);
  }

  /** First range query with the same (start, end, exhausted) wins, as in Fabric. */
  addRangeQuery(ns: string, rqi: ledger.rwset.kvrwset.RangeQueryInfo): void {
    const b = this.#ns(ns);
    const k = rangeQueryKey(rqi);
    if (!b.rangeQueries.has(k)) {
      b.rangeQueries.set(k, rqi);
    }
  }

  addHashedRead(ns: string, coll: string, key: string, version: Version | undefined): void {
    const r = new kv.KVReadHash();
    r.setKeyHash(sha256(key));
    const v = protoVersion(version);
    if (v !== undefined) {
      r.setVersion(v);
    }
    this.#ns(ns).collection(coll).reads.set(key, r);
  }

  /** Private write (plain in the private rwset, hashed in the public one); empty value = delete. */
  addPrivateWrite(ns: string, coll: string, key: string, value: Uint8Array | undefined, purge = false): void {
    const w = newKVWrite(key, purge ? undefined : value);
    this.#pvtColl(ns, coll).writes.set(key, w);
    const h = new kv.KVWriteHash();
    h.setKeyHash(sha256(key));
    if (w.getIsDelete()) {
      h.setIsDelete(true);
    } else {
      h.setValueHash(sha256(w.getValue_asU8()));
    }
    if (purge) {
      h.setIsPurge(true);
    }
    this.#ns(ns).collection(coll).writes.set(key, h);
  }

  /** The private rwset records only the key (so the private version moves); the public one the hashed entries. */
  addPrivateMetadataWrite(
    ns: string,
    coll: string,
    key: string,
    metadata: ReadonlyMap<string, Uint8Array>,
  ): void {
    const pw = new kv.KVMetadataWrite();
    pw.setKey(key);
    this.#pvtColl(ns, coll).metadataWrites.set(key, pw);
    const hw = new kv.KVMetadataWriteHash();
    hw.setKeyHash(sha256(key));
    hw.setEntriesList(metadataEntries(metadata));
    this.#ns(ns).collection(coll).metadataWrites.set(key, hw);
  }

  build(): RwSetBytes {
    let privateRwSet: Uint8Array | undefined;
    if (this.#pvt.size > 0) {
      const txPvt = new rw.TxPvtReadWriteSet();
      txPvt.setDataModel(rw.TxReadWriteSet.DataModel.KV);
      for (const ns of [...this.#pvt.keys()].sort(compareUtf8)) {
        const colls = this.#pvt.get(ns) as Map<string, CollPrivateBuilder>;
        const nsPvt = new rw.NsPvtReadWriteSet();
        nsPvt.setNamespace(ns);
        for (const coll of [...colls.keys()].sort(compareUtf8)) {
          const cb = colls.get(coll) as CollPrivateBuilder;
          const kvrw = new kv.KVRWSet();
          kvrw.setWritesList(sortedValues(cb.writes));
          kvrw.setMetadataWritesList(sortedValues(cb.metadataWrites));
          const bytes = kvrw.serializeBinary();
          const cp = new rw.CollectionPvtReadWriteSet();
          cp.setCollectionName(coll);
          cp.setRwset(bytes);
          nsPvt.addCollectionPvtRwset(cp);
          this.#ns(ns).collection(coll).pvtRwSetHash = sha256(bytes);
        }
        txPvt.addNsPvtRwset(nsPvt);
      }
      privateRwSet = txPvt.serializeBinary();
    }

    const tx = new rw.TxReadWriteSet();
    tx.setDataModel(rw.TxReadWriteSet.DataModel.KV);
    for (const ns of [...this.#pub.keys()].sort(compareUtf8)) {
      const b = this.#pub.get(ns) as NsPublicBuilder;
      const kvrw = new kv.KVRWSet();
      kvrw.setReadsList(sortedValues(b.reads));
      kvrw.setRangeQueriesInfoList([...b.rangeQueries.values()]);
      kvrw.setWritesList(sortedValues(b.writes));
      kvrw.setMetadataWritesList(sortedValues(b.metadataWrites));
      const nsrw = new rw.NsReadWriteSet();
      nsrw.setNamespace(ns);
      nsrw.setRwset(kvrw.serializeBinary());
      for (const coll of [...b.collections.keys()].sort(compareUtf8)) {
        const cb = b.collections.get(coll) as CollHashedBuilder;
        const hrw = new kv.HashedRWSet();
        hrw.setHashedReadsList(sortedValues(cb.reads));
        hrw.setHashedWritesList(sortedValues(cb.writes));
        hrw.setMetadataWritesList(sortedValues(cb.metadataWrites));
        const ch = new rw.CollectionHashedReadWriteSet();
        ch.setCollectionName(coll);
        ch.setHashedRwset(hrw.serializeBinary());
        if (cb.pvtRwSetHash !== undefined) {
          ch.setPvtRwsetHash(cb.pvtRwSetHash);
        }
        nsrw.addCollectionHashedRwset(ch);
      }
      tx.addNsRwset(nsrw);
    }
    return privateRwSet === undefined
      ? { publicRwSet: tx.serializeBinary() }
      : { publicRwSet: tx.serializeBinary(), privateRwSet };
  }

  #ns(ns: string): NsPublicBuilder {
    let b = this.#pub.get(ns);
    if (b === undefined) {
      b = new NsPublicBuilder();
      this.#pub.set(ns, b);
    }
    return b;
  }

  #pvtColl(ns: string, coll: string): CollPrivateBuilder {
    let colls = this.#pvt.get(ns);
    if (colls === undefined) {
      colls = new Map();
      this.#pvt.set(ns, colls);
    }
    let b = colls.get(coll);
    if (b === undefined) {
      b = new CollPrivateBuilder();
      colls.set(coll, b);
    }
    return b;
  }
}
