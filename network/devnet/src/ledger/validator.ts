/**
 * Fabric's state-based validation (core/ledger/kvledger/txmgmt/validation/validator.go): per namespace, the public
 * reads (MVCC), the range queries (phantom reads, re-run over committed state + the writes of earlier valid
 * transactions of the same block) and the hashed private reads. Unlike Fabric, a failure says exactly which key and
 * versions conflicted.
 */
import { ledger } from '@hyperledger/fabric-protos';
import type { Version } from './types';
import { Code } from './codes';
import { compareUtf8, displayKey } from './keys';
import { hashedNamespace, type StateDB } from './statedb';
import { RangeQueryResultsHelper, merkleSummariesEqual, type MerkleSummary } from './rangehelper';
import { newKVRead } from './rwsetbuilder';
import type { DecodedNsRwSet, UpdateBatch } from './updates';

/** What conflicted, for programs (the message says the same for people). */
export interface ConflictDetail {
  readonly kind: 'mvcc' | 'phantom' | 'duplicate' | 'bad_rwset' | 'bad_payload';
  readonly namespace: string;
  /** The key (for private data: `#` + hex SHA-256 of the key; for duplicates: the tx id). */
  readonly key: string;
  /** "blockNum:txNum" the transaction read; undefined when it read no value. */
  readonly readVersion?: string;
  /** "blockNum:txNum" now committed (or written earlier in the block); undefined when absent or deleted. */
  readonly committedVersion?: string;
  /** The full human-readable text, e.g. "MVCC_READ_CONFLICT: key a in namespace basic read at version 3:0, …". */
  readonly message: string;
}

export interface ValidationResult {
  readonly code: number;
  readonly conflict?: ConflictDetail;
}

const VALID: ValidationResult = { code: Code.VALID };

function fromProto(v: ledger.rwset.kvrwset.Version | undefined): Version | undefined {
  return v === undefined ? undefined : { blockNum: v.getBlockNum(), txNum: v.getTxNum() };
}

export function formatVersion(v: Version | undefined): string {
  return v === undefined ? 'nil' : `${v.blockNum}:${v.txNum}`;
}

function same(a: Version | undefined, b: Version | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}

interface ReadConflict {
  readonly text: string;
  readonly readVersion?: string;
  readonly committedVersion?: string;
}

function versions(
  read: Version | undefined,
  committed: Version | undefined,
): { readVersion?: string; committedVersion?: string } {
  return {
    ...(read !== undefined ? { readVersion: formatVersion(read) } : {}),
    ...(committed !== undefined ? { committedVersion: formatVersion(committed) } : {}),
  };
}

/** MVCC check of one key against the block's pending writes, then committed state. */
function checkRead(
  db: StateDB,
  batch: UpdateBatch,
  ns: string,
  key: string,
  read: Version | undefined,
  what: string,
): ReadConflict | undefined {
  const pending = batch.get(ns, key);
  if (pending !== undefined) {
    const now = pending.value === undefined ? 'nil (deleted' : `${formatVersion(pending.version)} (written`;
    return {
      text: `${what} read at version ${formatVersion(read)}, committed version is ${now} by an earlier transaction in this block)`,
      ...versions(read, pending.value === undefined ? undefined : pending.version),
    };
  }
  const committed = db.get(ns, key)?.version;
  if (!same(committed, read)) {
    return {
      text: `${what} read at version ${formatVersion(read)}, committed version is ${formatVersion(committed)}`,
      ...versions(read, committed),
    };
  }
  return undefined;
}

interface Row {
  readonly key: string;
  readonly version: Version;
}

/** Fabric's combinedIterator: committed range merged with the block's pending updates (updates win, deletes skipped). */
function* combinedRange(
  db: StateDB,
  batch: UpdateBatch,
  ns: string,
  start: string,
  end: string,
  includeEnd: boolean,
): Generator<Row> {
  const dbIt = db.namespace(ns)?.range(start, end)[Symbol.iterator]();
  const updKeys = batch.rangeKeys(ns, start, end);
  let ui = 0;
  let dbNext = dbIt?.next();
  for (;;) {
    const dbKey = dbNext !== undefined && !dbNext.done ? dbNext.value[0] : undefined;
    const updKey = updKeys[ui];
    if (dbKey === undefined && updKey === undefined) break;
    const c = dbKey === undefined ? 1 : updKey === undefined ? -1 : compareUtf8(dbKey, updKey);
    if (c < 0) {
      const [key, vv] = (dbNext as IteratorYieldResult<[string, { version: Version }]>).value;
      dbNext = dbIt?.next();
      yield { key, version: vv.version };
    } else {
      if (c === 0) dbNext = dbIt?.next();
      ui++;
      const pv = batch.get(ns, updKey as string);
      if (pv !== undefined && pv.value !== undefined) yield { key: updKey as string, version: pv.version };
    }
  }
  if (includeEnd) {
    const pv = batch.get(ns, end);
    if (pv !== undefined) {
      if (pv.value !== undefined) yield { key: end, version: pv.version };
    } else {
      const vv = db.get(ns, end);
      if (vv !== undefined) yield { key: end, version: vv.version };
    }
  }
}

interface PhantomConflict {
  readonly text: string;
  readonly key: string;
  readonly readVersion?: string;
  readonly committedVersion?: string;
}

function inserted(row: Row): PhantomConflict {
  return {
    text: `key ${displayKey(row.key)} was inserted`,
    key: row.key,
    ...versions(undefined, row.version),
  };
}

function validateRangeQuery(
  db: StateDB,
  batch: UpdateBatch,
  ns: string,
  rqi: ledger.rwset.kvrwset.RangeQueryInfo,
): PhantomConflict | undefined {
  const includeEnd = !rqi.getItrExhausted();
  const rows = combinedRange(db, batch, ns, rqi.getStartKey(), rqi.getEndKey(), includeEnd);
  const merkle = rqi.getReadsMerkleHashes();
  if (merkle !== undefined) {
    const helper = new RangeQueryResultsHelper(merkle.getMaxDegree());
    for (const row of rows) helper.add(newKVRead(row.key, row.version));
    const expected: MerkleSummary = {
      maxDegree: merkle.getMaxDegree(),
      maxLevel: merkle.getMaxLevel(),
      maxLevelHashes: merkle.getMaxLevelHashesList_asU8(),
    };
    const { summary } = helper.done();
    return summary !== undefined && merkleSummariesEqual(expected, summary)
      ? undefined
      : { text: 'the results changed (merkle summary mismatch)', key: '' };
  }
  const reads = rqi.getRawReads()?.getKvReadsList() ?? [];
  const it = rows[Symbol.iterator]();
  for (const read of reads) {
    const next = it.next();
    const readVersion = fromProto(read.getVersion());
    const gone = (): PhantomConflict => ({
      text: `key ${displayKey(read.getKey())} read at version ${formatVersion(readVersion)} no longer exists`,
      key: read.getKey(),
      ...versions(readVersion, undefined),
    });
    if (next.done) {
      return gone();
    }
    const row = next.value;
    if (row.key !== read.getKey()) {
      return compareUtf8(row.key, read.getKey()) < 0 ? inserted(row) : gone();
    }
    if (!same(row.version, readVersion)) {
      return {
        text: `key ${displayKey(row.key)} read at version ${formatVersion(readVersion)}, committed version is ${formatVersion(row.version)}`,
        key: row.key,
        ...versions(readVersion, row.version),
      };
    }
  }
  const extra = it.next();
  return extra.done ? undefined : inserted(extra.value);
}

/** Validates one transaction's rwset against committed state plus the block's earlier valid writes. */
export function validateTx(
  nsRwSets: readonly DecodedNsRwSet[],
  db: StateDB,
  batch: UpdateBatch,
): ValidationResult {
  for (const n of nsRwSets) {
    for (const read of n.kv.getReadsList()) {
      const key = read.getKey();
      const c = checkRead(
        db,
        batch,
        n.ns,
        key,
        fromProto(read.getVersion()),
        `key ${displayKey(key)} in namespace ${n.ns}`,
      );
      if (c !== undefined) {
        const { text, ...v } = c;
        return {
          code: Code.MVCC_READ_CONFLICT,
          conflict: { kind: 'mvcc', namespace: n.ns, key, ...v, message: `MVCC_READ_CONFLICT: ${text}` },
        };
      }
    }
    for (const rqi of n.kv.getRangeQueriesInfoList()) {
      const c = validateRangeQuery(db, batch, n.ns, rqi);
      if (c !== undefined) {
        const range = `[${displayKey(rqi.getStartKey())}, ${displayKey(rqi.getEndKey())}${rqi.getItrExhausted() ? ')' : ']'}`;
        const { text, ...v } = c;
        return {
          code: Code.PHANTOM_READ_CONFLICT,
          conflict: {
            kind: 'phantom',
            namespace: n.ns,
            ...v,
            message: `PHANTOM_READ_CONFLICT: range query ${range} in namespace ${n.ns}: ${text}`,
          },
        };
      }
    }
    for (const c of n.collections) {
      const hashedNs = hashedNamespace(n.ns, c.name);
      for (const read of c.hashed.getHashedReadsList()) {
        const keyHash = Buffer.from(read.getKeyHash_asU8()).toString('hex');
        const rc = checkRead(
          db,
          batch,
          hashedNs,
          keyHash,
          fromProto(read.getVersion()),
          `private key (hash ${keyHash}) in collection ${c.name} of namespace ${n.ns}`,
        );
        if (rc !== undefined) {
          const { text, ...v } = rc;
          return {
            code: Code.MVCC_READ_CONFLICT,
            conflict: {
              kind: 'mvcc',
              namespace: `${n.ns}/${c.name}`,
              key: `#${keyHash}`,
              ...v,
              message: `MVCC_READ_CONFLICT: ${text}`,
            },
          };
        }
      }
    }
  }
  return VALID;
}
