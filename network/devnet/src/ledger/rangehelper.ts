/**
 * Range-query results as recorded in the read set for phantom-read validation, as Fabric's
 * rwsetutil.RangeQueryResultsHelper: up to {@link MAX_DEGREE} results are kept as raw KVReads; beyond that the reads
 * are folded into a merkle tree (SHA-256 over serialized `QueryReads` groups of maxDegree+1, then over concatenated
 * hashes) and only the top level is kept, so a large scan does not bloat the rwset. The validator re-runs the scan
 * through the same helper and compares summaries.
 */
import { createHash } from 'node:crypto';
import { ledger } from '@hyperledger/fabric-protos';

type KVRead = ledger.rwset.kvrwset.KVRead;

/** Fabric's maxDegreeQueryReadsHashing. */
export const MAX_DEGREE = 50;

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

function combinedHash(hashes: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const x of hashes) h.update(x);
  return h.digest();
}

/** The summary Fabric records in `RangeQueryInfo.reads_merkle_hashes`. */
export interface MerkleSummary {
  readonly maxDegree: number;
  readonly maxLevel: number;
  readonly maxLevelHashes: readonly Uint8Array[];
}

class MerkleTree {
  readonly #tree = new Map<number, Uint8Array[]>();
  #maxLevel = 1;

  constructor(private readonly maxDegree: number) {}

  isEmpty(): boolean {
    return this.#maxLevel === 1 && (this.#tree.get(1)?.length ?? 0) === 0;
  }

  update(leafHash: Uint8Array): void {
    this.#level(1).push(leafHash);
    let level = 1;
    for (;;) {
      const hashes = this.#level(level);
      if (hashes.length <= this.maxDegree) {
        return;
      }
      const next = combinedHash(hashes);
      this.#tree.delete(level);
      level++;
      this.#level(level).push(next);
      if (level > this.#maxLevel) {
        this.#maxLevel = level;
      }
    }
  }

  done(): void {
    let level = 1;
    while (level < this.#maxLevel) {
      const hashes = this.#tree.get(level) ?? [];
      if (hashes.length === 0) {
        level++;
        continue;
      }
      const h = hashes.length === 1 ? (hashes[0] as Uint8Array) : combinedHash(hashes);
      this.#tree.delete(level);
      level++;
      this.#level(level).push(h);
    }
    const finalHashes = this.#tree.get(this.#maxLevel) ?? [];
    if (finalHashes.length > this.maxDegree) {
      this.#tree.delete(this.#maxLevel);
      this.#maxLevel++;
      this.#tree.set(this.#maxLevel, [combinedHash(finalHashes)]);
    }
  }

  summary(): MerkleSummary {
    return {
      maxDegree: this.maxDegree,
      maxLevel: this.#maxLevel,
      maxLevelHashes: [...(this.#tree.get(this.#maxLevel) ?? [])],
    };
  }

  #level(level: number): Uint8Array[] {
    let hashes = this.#tree.get(level);
    if (hashes === undefined) {
      hashes = [];
      this.#tree.set(level, hashes);
    }
    return hashes;
  }
}

/** Accumulates the reads of one range scan; `done()` yields either raw reads or a merkle summary. */
export class RangeQueryResultsHelper {
  #pending: KVRead[] = [];
  readonly #tree: MerkleTree;
  readonly #maxDegree: number;

  constructor(maxDegree: number = MAX_DEGREE) {
    this.#maxDegree = maxDegree;
    this.#tree = new MerkleTree(maxDegree);
  }

  add(read: KVRead): void {
    this.#pending.push(read);
    if (this.#pending.length > this.#maxDegree) {
      this.#flush();
    }
  }

  done(): { reads: KVRead[]; summary?: MerkleSummary } {
    if (this.#tree.isEmpty()) {
      return { reads: this.#pending };
    }
    if (this.#pending.length > 0) {
      this.#flush();
    }
    this.#tree.done();
    return { reads: this.#pending, summary: this.#tree.summary() };
  }

  #flush(): void {
    const qr = new ledger.rwset.kvrwset.QueryReads();
    qr.setKvReadsList(this.#pending);
    this.#pending = [];
    this.#tree.update(sha256(qr.serializeBinary()));
  }
}

export function merkleSummariesEqual(a: MerkleSummary, b: MerkleSummary): boolean {
  if (
    a.maxDegree !== b.maxDegree ||
    a.maxLevel !== b.maxLevel ||
    a.maxLevelHashes.length !== b.maxLevelHashes.length
  ) {
    return false;
  }
  return a.maxLevelHashes.every((h, i) => Buffer.compare(h, b.maxLevelHashes[i] as Uint8Array) === 0);
}
