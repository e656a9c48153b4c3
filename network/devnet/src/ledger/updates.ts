/**
 * The state updates of a block being committed, and how one valid transaction's write set turns into them — as
 * Fabric's validation/tx_ops.go: a delete removes value and metadata; a value write keeps the key's latest metadata;
 * a metadata-only write keeps the latest value and is dropped when the key does not exist; every surviving key gets
 * the transaction's version. Private writes apply only when the private rwset was supplied and matches its hash, and a
 * metadata-only change of a private key moves the private version along with the hashed one.
 */
import { ledger } from '@hyperledger/fabric-protos';
import type { Version } from './types';
import { compareUtf8 } from './keys';
import { hashedNamespace, privateNamespace, type StateDB, type VersionedValue } from './statedb';
import { sha256 } from './rwsetbuilder';
import { TxParseError } from './txparse';

type KVRWSet = ledger.rwset.kvrwset.KVRWSet;
type HashedRWSet = ledger.rwset.kvrwset.HashedRWSet;

/** A namespace's rwset with its nested byte fields decoded. */
export interface DecodedNsRwSet {
  readonly ns: string;
  readonly kv: KVRWSet;
  readonly collections: readonly DecodedCollHashedRwSet[];
}

export interface DecodedCollHashedRwSet {
  readonly name: string;
  readonly hashed: HashedRWSet;
  readonly pvtRwSetHash: Uint8Array;
}

export function decodeNsRwSets(rwset: ledger.rwset.TxReadWriteSet): DecodedNsRwSet[] {
  try {
    return rwset.getNsRwsetList().map((n) => ({
      ns: n.getNamespace(),
      kv: ledger.rwset.kvrwset.KVRWSet.deserializeBinary(n.getRwset_asU8()),
      collections: n.getCollectionHashedRwsetList().map((c) => ({
        name: c.getCollectionName(),
        hashed: ledger.rwset.kvrwset.HashedRWSet.deserializeBinary(c.getHashedRwset_asU8()),
        pvtRwSetHash: c.getPvtRwsetHash_asU8(),
      })),
    }));
  } catch (e) {
    throw new TxParseError(`cannot decode read-write set: ${(e as Error).message}`, true);
  }
}

/** Private writes of one transaction, by namespace then collection; only collections whose hash matched. */
export type PrivateWrites = ReadonlyMap<string, ReadonlyMap<string, KVRWSet>>;

/**
 * Decodes a `TxPvtReadWriteSet` and keeps the collections whose SHA-256 equals the `pvt_rwset_hash` the public rwset
 * committed to (Fabric's coordinator likewise discards private data that does not match).
 */
export function verifiedPrivateWrites(pvtBytes: Uint8Array, pub: readonly DecodedNsRwSet[]): PrivateWrites {
  const out = new Map<string, Map<string, KVRWSet>>();
  let pvt: ledger.rwset.TxPvtReadWriteSet;
  try {
    pvt = ledger.rwset.TxPvtReadWriteSet.deserializeBinary(pvtBytes);
  } catch {
    return out;
  }
  for (const nsPvt of pvt.getNsPvtRwsetList()) {
    const nsPub = pub.find((n) => n.ns === nsPvt.getNamespace());
    if (nsPub === undefined) continue;
    for (const coll of nsPvt.getCollectionPvtRwsetList()) {
      const hashed = nsPub.collections.find((c) => c.name === coll.getCollectionName());
      const bytes = coll.getRwset_asU8();
      if (hashed === undefined || Buffer.compare(sha256(bytes), hashed.pvtRwSetHash) !== 0) continue;
      try {
        const kvrw = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(bytes);
        let colls = out.get(nsPvt.getNamespace());
        if (colls === undefined) {
          colls = new Map();
          out.set(nsPvt.getNamespace(), colls);
        }
        colls.set(coll.getCollectionName(), kvrw);
      } catch {
        // undecodable private data is treated as missing
      }
    }
  }
  return out;
}

/** A pending value: `value` undefined = deleted. */
export interface PendingValue {
  readonly value: Uint8Array | undefined;
  readonly version: Version;
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
}

export class UpdateBatch {
  readonly #ns = new Map<string, Map<string, PendingValue>>();

  get(ns: string, key: string): PendingValue | undefined {
    return this.#ns.get(ns)?.get(key);
  }

  has(ns: string, key: string): boolean {
    return this.#ns.get(ns)?.has(key) ?? false;
  }

  put(ns: string, key: string, pv: PendingValue): void {
    let m = this.#ns.get(ns);
    if (m === undefined) {
      m = new Map();
      this.#ns.set(ns, m);
    }
    m.set(key, pv);
  }

  /** Updated keys with start ≤ key < end (end '' = unbounded), sorted in UTF-8 order. */
  rangeKeys(ns: string, start: string, end: string): string[] {
    const m = this.#ns.get(ns);
    if (m === undefined) return [];
    const keys: string[] = [];
    for (const k of m.keys()) {
      if (compareUtf8(k, start) >= 0 && (end === '' || compareUtf8(k, end) < 0)) keys.push(k);
    }
    return keys.sort(compareUtf8);
  }

  /** Applies every pending value to the state database; `onChange` first sees each key's previous value. */
  applyTo(
    db: StateDB,
    onChange?: (ns: string, key: string, previous: VersionedValue | undefined) => void,
  ): void {
    for (const [ns, updates] of this.#ns) {
      const state = db.namespaceForUpdate(ns);
      for (const [key, pv] of updates) {
        onChange?.(ns, key, state.get(key));
        if (pv.value === undefined) {
          state.delete(key);
        } else {
          state.put(
            key,
            pv.metadata !== undefined && pv.metadata.size > 0
              ? { value: pv.value, version: pv.version, metadata: pv.metadata }
              : { value: pv.value, version: pv.version },
          );
        }
      }
    }
  }
}

const UPSERT = 1;
const METADATA_UPDATE = 2;
const METADATA_DELETE = 4;
const DELETE = 8;

interface KeyOp {
  flag: number;
  value?: Uint8Array;
  metadata?: Map<string, Uint8Array>;
}

/**
 * A copy with its own buffer. Decoded protobuf bytes are views into the whole envelope (or block) they came from;
 * keeping the view in state or history would pin every block in memory.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** rwsetutil.IsKVWriteDelete: a delete flag or an empty value. */
export function isDeleteWrite(w: ledger.rwset.kvrwset.KVWrite): boolean {
  return w.getIsDelete() || w.getValue_asU8().length === 0;
}

function metadataMap(entries: ledger.rwset.kvrwset.KVMetadataEntry[]): Map<string, Uint8Array> {
  return new Map(entries.map((e) => [e.getName(), copyBytes(e.getValue_asU8())]));
}

class TxOps {
  readonly ops = new Map<string, KeyOp>();

  #op(key: string): KeyOp {
    let op = this.ops.get(key);
    if (op === undefined) {
      op = { flag: 0 };
      this.ops.set(key, op);
    }
    return op;
  }

  write(key: string, isDelete: boolean, value: Uint8Array): void {
    const op = this.#op(key);
    if (isDelete) {
      op.flag |= DELETE;
    } else {
      op.flag |= UPSERT;
      op.value = copyBytes(value);
    }
  }

  metadata(key: string, entries: ledger.rwset.kvrwset.KVMetadataEntry[]): void {
    const op = this.#op(key);
    if (entries.length === 0) {
      op.flag |= METADATA_DELETE;
    } else {
      op.flag |= METADATA_UPDATE;
      op.metadata = metadataMap(entries);
    }
  }
}

function latest(batch: UpdateBatch, db: StateDB, ns: string, key: string): PendingValue | undefined {
  const pending = batch.get(ns, key);
  if (pending !== undefined) return pending.value === undefined ? undefined : pending;
  return db.get(ns, key);
}

/** Folds one namespace's key operations into the batch, as prepareTxOps does. */
function applyOps(ops: TxOps, ns: string, version: Version, batch: UpdateBatch, db: StateDB): void {
  for (const [key, op] of ops.ops) {
    if (op.flag & DELETE) {
      batch.put(ns, key, { value: undefined, version });
    } else if (op.flag & UPSERT && op.flag & (METADATA_UPDATE | METADATA_DELETE)) {
      batch.put(
        ns,
        key,
        op.metadata ? { value: op.value, version, metadata: op.metadata } : { value: op.value, version },
      );
    } else if (op.flag === UPSERT) {
      const md = latest(batch, db, ns, key)?.metadata;
      batch.put(ns, key, md ? { value: op.value, version, metadata: md } : { value: op.value, version });
    } else {
      const cur = latest(batch, db, ns, key);
      if (cur === undefined) continue; // metadata for a missing key: no-op
      batch.put(
        ns,
        key,
        op.metadata ? { value: cur.value, version, metadata: op.metadata } : { value: cur.value, version },
      );
    }
  }
}

/** Adds the writes of one valid transaction (public, hashed and, when present, private) to the block's batch. */
export function applyTxWrites(
  nsRwSets: readonly DecodedNsRwSet[],
  version: Version,
  batch: UpdateBatch,
  db: StateDB,
  privateWrites?: PrivateWrites,
): void {
  for (const n of nsRwSets) {
    const pub = new TxOps();
    for (const w of n.kv.getWritesList()) pub.write(w.getKey(), isDeleteWrite(w), w.getValue_asU8());
    for (const m of n.kv.getMetadataWritesList()) pub.metadata(m.getKey(), m.getEntriesList());
    applyOps(pub, n.ns, version, batch, db);

    for (const c of n.collections) {
      const hashedNs = hashedNamespace(n.ns, c.name);
      const hashed = new TxOps();
      for (const w of c.hashed.getHashedWritesList()) {
        hashed.write(
          Buffer.from(w.getKeyHash_asU8()).toString('hex'),
          w.getIsDelete() || w.getValueHash_asU8().length === 0,
          w.getValueHash_asU8(),
        );
      }
      for (const m of c.hashed.getMetadataWritesList()) {
        hashed.metadata(Buffer.from(m.getKeyHash_asU8()).toString('hex'), m.getEntriesList());
      }
      applyOps(hashed, hashedNs, version, batch, db);

      const pvt = privateWrites?.get(n.ns)?.get(c.name);
      if (pvt === undefined) continue;
      const pvtNs = privateNamespace(n.ns, c.name);
      const written = new Set<string>();
      for (const w of pvt.getWritesList()) {
        written.add(w.getKey());
        batch.put(pvtNs, w.getKey(), {
          value: isDeleteWrite(w) ? undefined : copyBytes(w.getValue_asU8()),
          version,
        });
      }
      for (const m of pvt.getMetadataWritesList()) {
        if (written.has(m.getKey())) continue;
        const cur = latest(batch, db, pvtNs, m.getKey());
        if (cur !== undefined) batch.put(pvtNs, m.getKey(), { value: cur.value, version });
      }
    }
  }
}
