/**
 * The channel ledger: block store, private data store, world state, history and tx-id index.
 *
 * commitBlock is Fabric's final validation and commit of one block (kvledger.CommitLegacy): duplicate tx ids, MVCC and
 * phantom checks in order against committed state plus earlier valid transactions of the block, the
 * TRANSACTIONS_FILTER metadata, the private data record and the block appended with fsync, then the valid writes
 * applied. Only the files are durable; everything else is rebuilt from them on open, so a crash at any point leaves a
 * ledger that reopens to the last fully written block.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import type { KeyModification, TxSimulator } from './types';
import { Code } from './codes';
import { BlockStore } from './blockstore';
import { PrivateDataStore, type PrivateBlockData, type PrivateTxData } from './pvtstore';
import { blockDataHash, blockHeaderHash } from './blockhash';
import { HistoryDB } from './history';
import { SnapshotLog, SnapshotView } from './snapshot';
import { StateDB, hashedNamespace } from './statedb';
import { TxSimulatorImpl, type SimulatorOptions } from './simulator';
import { TxParseError, parseTransaction, type ParsedTx } from './txparse';
import {
  UpdateBatch,
  copyBytes,
  applyTxWrites,
  decodeNsRwSets,
  isDeleteWrite,
  verifiedPrivateWrites,
  type DecodedNsRwSet,
} from './updates';
import { validateTx, type ConflictDetail } from './validator';
import { LedgerStorageError, fsyncDirectory } from './recordfile';

const TRANSACTIONS_FILTER = common.BlockMetadataIndex.TRANSACTIONS_FILTER;
const METADATA_SLOTS = 5;
const EMPTY = new Uint8Array(0);

export interface LedgerOptions {
  readonly channelId: string;
}

/** Result of committing a block: a code per transaction and, for those the ledger invalidated, why. */
export interface CommitOutcome {
  readonly codes: number[];
  /** txNum → e.g. "MVCC_READ_CONFLICT: key asset1 in namespace basic read at version 3:0, committed version is 4:0". */
  readonly conflicts: ReadonlyMap<number, string>;
  /** The same conflicts, structured (kind, namespace, key, read and committed versions, message). */
  readonly details: ReadonlyMap<number, ConflictDetail>;
}

export interface TxLocation {
  readonly blockNum: number;
  /** Alias of blockNum. */
  readonly blockNumber: number;
  readonly txNum: number;
  readonly validationCode: number;
}

/** Private rwsets by tx id (or by transaction index in the block). */
export type BlockPrivateData = ReadonlyMap<string | number, Uint8Array>;

/** A block the ledger refuses (wrong number, broken hash chain, wrong code count) or a closed ledger. */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

interface StagedTx {
  readonly txNum: number;
  readonly parsed: ParsedTx;
  readonly nsRwSets: readonly DecodedNsRwSet[];
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function readMeta(file: string): { channelId?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { channelId?: unknown };
  } catch {
    return undefined;
  }
}

function writeFileDurably(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

/** Indexes a tx id at its first occurrence (later duplicates keep pointing at the first, as Fabric's index). */
function indexTx(
  index: Map<string, TxLocation>,
  txId: string,
  blockNum: number,
  txNum: number,
  code: number,
): void {
  if (txId !== '' && !index.has(txId)) {
    index.set(txId, { blockNum, blockNumber: blockNum, txNum, validationCode: code });
  }
}

/** The validation codes stored in a block's TRANSACTIONS_FILTER; missing entries count as not validated. */
function storedCodes(block: common.Block, count: number): number[] {
  const filter = block.getMetadata()?.getMetadataList_asU8()[TRANSACTIONS_FILTER] ?? EMPTY;
  return Array.from({ length: count }, (_, i) => filter[i] ?? Code.NOT_VALIDATED);
}

export class Ledger {
  readonly channelId: string;
  readonly #blocks: BlockStore;
  readonly #pvt: PrivateDataStore;
  readonly #state: StateDB;
  readonly #history: HistoryDB;
  readonly #txIndex: Map<string, TxLocation>;
  readonly #snapshots = new SnapshotLog();
  #lastBlockHash: Uint8Array;
  #commitQueue: Promise<unknown> = Promise.resolve();
  #closing = false;
  #closed = false;

  private constructor(
    channelId: string,
    blocks: BlockStore,
    pvt: PrivateDataStore,
    state: StateDB,
    history: HistoryDB,
    txIndex: Map<string, TxLocation>,
    lastBlockHash: Uint8Array,
  ) {
    this.channelId = channelId;
    this.#blocks = blocks;
    this.#pvt = pvt;
    this.#state = state;
    this.#history = history;
    this.#txIndex = txIndex;
    this.#lastBlockHash = lastBlockHash;
  }

  /**
   * Opens or creates the ledger in `dir`. World state, history, the tx-id index and private data are rebuilt by
   * replaying the stored blocks (and the private data file); a torn final record left by a crash is truncated.
   */
  static async open(dir: string, options: LedgerOptions): Promise<Ledger> {
    fs.mkdirSync(dir, { recursive: true });
    const metaFile = path.join(dir, 'ledger.json');
    const meta = readMeta(metaFile);
    if (meta === undefined) {
      writeFileDurably(metaFile, `${JSON.stringify({ channelId: options.channelId, format: 1 })}\n`);
    } else if (meta.channelId !== options.channelId) {
      throw new LedgerError(
        `the ledger in ${dir} belongs to channel ${String(meta.channelId)}, not ${options.channelId}`,
      );
    }

    const { store: pvt, blocks: pvtBlocks } = PrivateDataStore.open(path.join(dir, 'pvtdata.dat'));
    const pvtByBlock = new Map<number, Map<number, PrivateTxData>>();
    for (const b of pvtBlocks) pvtByBlock.set(b.blockNum, new Map(b.txs.map((t) => [t.txNum, t])));

    const state = new StateDB();
    const history = new HistoryDB();
    const txIndex = new Map<string, TxLocation>();
    let lastHeader: common.BlockHeader | undefined;
    let blocks: BlockStore;
    try {
      ({ store: blocks } = BlockStore.open(path.join(dir, 'blocks.dat'), (block) => {
        const header = block.getHeader() as common.BlockHeader;
        const blockNum = header.getNumber();
        const envelopes = block.getData()?.getDataList_asU8() ?? [];
        const codes = storedCodes(block, envelopes.length);
        const pvtTxs = pvtByBlock.get(blockNum);
        const batch = new UpdateBatch();
        const historyEntries: [string, string, KeyModification][] = [];
        envelopes.forEach((env, txNum) => {
          let parsed: ParsedTx;
          try {
            parsed = parseTransaction(env);
          } catch (e) {
            indexTx(
              txIndex,
              e instanceof TxParseError ? e.txId : '',
              blockNum,
              txNum,
              codes[txNum] as number,
            );
            return;
          }
          indexTx(txIndex, parsed.txId, blockNum, txNum, codes[txNum] as number);
          if (codes[txNum] !== Code.VALID || parsed.rwset === undefined) return;
          let nsRwSets: DecodedNsRwSet[];
          try {
            nsRwSets = decodeNsRwSets(parsed.rwset);
          } catch {
            return;
          }
          Ledger.#stageValidTx(
            { txNum, parsed, nsRwSets },
            blockNum,
            batch,
            state,
            pvtTxs?.get(txNum)?.rwset,
            historyEntries,
          );
        });
        batch.applyTo(state);
        for (const [ns, key, mod] of historyEntries) history.add(ns, key, blockNum, mod);
        lastHeader = header;
      }));
    } catch (e) {
      pvt.close();
      throw e;
    }
    // Private data written just before a crash that lost its block belongs to no committed block.
    pvt.truncateFrom(blocks.height);
    return new Ledger(
      options.channelId,
      blocks,
      pvt,
      state,
      history,
      txIndex,
      lastHeader ? blockHeaderHash(lastHeader) : EMPTY,
    );
  }

  /** Number of committed blocks (= the next block number). */
  get height(): number {
    return this.#blocks.height;
  }

  /** Header hash of the last block; empty before block 0. */
  get lastBlockHash(): Uint8Array {
    return this.#lastBlockHash;
  }

  getBlock(number: number): common.Block | undefined {
    const bytes = this.getBlockBytes(number);
    return bytes === undefined ? undefined : common.Block.deserializeBinary(bytes);
  }

  getBlockBytes(number: number): Uint8Array | undefined {
    this.#checkOpen();
    return this.#blocks.getBlockBytes(number);
  }

  /** Where a tx id was first committed (valid or not) and its validation code. */
  findTransaction(txId: string): TxLocation | undefined {
    return this.#txIndex.get(txId);
  }

  /**
   * A simulator reading the state as of now: blocks committed while it runs stay invisible to it (as Fabric's
   * simulation lock guarantees). Call `done()` to end it; an abandoned one is released after a while.
   */
  newSimulator(txId: string, options?: SimulatorOptions): TxSimulator {
    this.#checkOpen();
    const height = this.height;
    const token = this.#snapshots.register(height);
    const history = {
      getHistoryForKey: (ns: string, key: string) => this.#history.getHistoryForKey(ns, key, height),
    };
    const view = new SnapshotView(this.#state, this.#snapshots, token);
    return new TxSimulatorImpl(view, history, txId, options, () => this.#snapshots.release(token));
  }

  /** Committed state metadata of a public key (e.g. VALIDATION_PARAMETER for key-level endorsement). */
  getCommittedStateMetadata(ns: string, key: string): Map<string, Uint8Array> {
    return new Map(this.#state.get(ns, key)?.metadata ?? []);
  }

  /** Committed metadata of a private key, addressed by its SHA-256 as in the hashed write set. */
  getCommittedPrivateDataMetadataByHash(
    ns: string,
    collection: string,
    keyHash: Uint8Array,
  ): Map<string, Uint8Array> {
    return new Map(this.#state.get(hashedNamespace(ns, collection), toHex(keyHash))?.metadata ?? []);
  }

  /**
   * Validates and commits one block. `preCodes[i]` is the committer's code for transaction i (VALID = 0 to let the
   * ledger check it); `privateData` maps tx ids (or transaction indexes) to their serialized `TxPvtReadWriteSet`. Sets the block's
   * TRANSACTIONS_FILTER, persists private data then the block (fsynced) and applies the valid writes.
   * @throws LedgerError for a block that does not extend the chain or a code count that does not match.
   */
  commitBlock(
    block: common.Block,
    preCodes: readonly number[],
    privateData?: BlockPrivateData,
  ): Promise<CommitOutcome> {
    if (this.#closing) return Promise.reject(new LedgerError('the ledger is closed'));
    const run = this.#commitQueue.then(() => this.#commit(block, preCodes, privateData));
    this.#commitQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#commitQueue;
    this.#closed = true;
    this.#blocks.close();
    this.#pvt.close();
  }

  async #commit(
    block: common.Block,
    preCodes: readonly number[],
    privateData?: BlockPrivateData,
  ): Promise<CommitOutcome> {
    this.#checkOpen();
    const header = block.getHeader();
    if (header === undefined) throw new LedgerError('block has no header');
    const blockNum = header.getNumber();
    if (blockNum !== this.height) {
      throw new LedgerError(`block number ${blockNum} does not match the ledger height ${this.height}`);
    }
    if (blockNum > 0 && Buffer.compare(header.getPreviousHash_asU8(), this.#lastBlockHash) !== 0) {
      throw new LedgerError(
        `block ${blockNum} previous hash does not match the hash of block ${blockNum - 1}`,
      );
    }
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    if (Buffer.compare(header.getDataHash_asU8(), blockDataHash(envelopes)) !== 0) {
      throw new LedgerError(`block ${blockNum} data hash does not match its transactions`);
    }
    if (preCodes.length !== envelopes.length) {
      throw new LedgerError(
        `block ${blockNum} has ${envelopes.length} transactions but ${preCodes.length} validation codes`,
      );
    }

    const codes = [...preCodes];
    const details = new Map<number, ConflictDetail>();
    const reject = (txNum: number, code: number, detail: ConflictDetail): void => {
      codes[txNum] = code;
      details.set(txNum, detail);
    };
    const batch = new UpdateBatch();
    const historyEntries: [string, string, KeyModification][] = [];
    const seen = new Map<string, number>();
    const txIds: string[] = [];
    const pvtRecord: PrivateTxData[] = [];

    envelopes.forEach((env, txNum) => {
      let parsed: ParsedTx;
      try {
        parsed = parseTransaction(env);
      } catch (e) {
        const err = e instanceof TxParseError ? e : new TxParseError(String(e), false);
        txIds.push(err.txId);
        if (codes[txNum] === Code.VALID) {
          reject(txNum, err.badRwSet ? Code.BAD_RWSET : Code.BAD_PAYLOAD, {
            kind: err.badRwSet ? 'bad_rwset' : 'bad_payload',
            namespace: '',
            key: '',
            message: `${err.badRwSet ? 'BAD_RWSET' : 'BAD_PAYLOAD'}: ${err.message}`,
          });
        }
        if (err.txId !== '' && !seen.has(err.txId)) seen.set(err.txId, txNum);
        return;
      }
      txIds.push(parsed.txId);
      const earlier = parsed.txId === '' ? undefined : seen.get(parsed.txId);
      if (parsed.txId !== '' && earlier === undefined) seen.set(parsed.txId, txNum);
      if (codes[txNum] !== Code.VALID) return;

      if (parsed.txId !== '') {
        const committed = this.#txIndex.get(parsed.txId);
        if (committed !== undefined || earlier !== undefined) {
          reject(txNum, Code.DUPLICATE_TXID, {
            kind: 'duplicate',
            namespace: '',
            key: parsed.txId,
            message:
              committed !== undefined
                ? `DUPLICATE_TXID: transaction ID ${parsed.txId} was already committed in block ${committed.blockNum} (transaction ${committed.txNum})`
                : `DUPLICATE_TXID: transaction ID ${parsed.txId} already appears in this block (transaction ${earlier as number})`,
          });
          return;
        }
      }
      if (parsed.rwset === undefined) return;
      let nsRwSets: DecodedNsRwSet[];
      try {
        nsRwSets = decodeNsRwSets(parsed.rwset);
      } catch (e) {
        reject(txNum, Code.BAD_RWSET, {
          kind: 'bad_rwset',
          namespace: '',
          key: '',
          message: `BAD_RWSET: ${(e as Error).message}`,
        });
        return;
      }
      const result = validateTx(nsRwSets, this.#state, batch);
      if (result.code !== Code.VALID) {
        codes[txNum] = result.code;
        if (result.conflict !== undefined) details.set(txNum, result.conflict);
        return;
      }
      const pvtBytes = privateData?.get(parsed.txId) ?? privateData?.get(txNum);
      const stored = Ledger.#stageValidTx(
        { txNum, parsed, nsRwSets },
        blockNum,
        batch,
        this.#state,
        pvtBytes,
        historyEntries,
      );
      if (stored && pvtBytes !== undefined) pvtRecord.push({ txNum, txId: parsed.txId, rwset: pvtBytes });
    });

    // TRANSACTIONS_FILTER, as the committer sets it before the block is stored.
    let metadata = block.getMetadata();
    if (metadata === undefined) {
      metadata = new common.BlockMetadata();
      block.setMetadata(metadata);
    }
    const slots = metadata.getMetadataList_asU8().slice();
    while (slots.length < METADATA_SLOTS) slots.push(EMPTY);
    slots[TRANSACTIONS_FILTER] = Uint8Array.from(codes);
    metadata.setMetadataList(slots);
    const bytes = block.serializeBinary();

    if (pvtRecord.length > 0) {
      const record: PrivateBlockData = { blockNum, txs: pvtRecord };
      await this.#pvt.append(record);
    }
    try {
      await this.#blocks.append(bytes);
    } catch (e) {
      // The private record (if any) is dropped again on the next open; keep this process consistent too.
      if (pvtRecord.length > 0) this.#pvt.truncateFrom(blockNum);
      throw e instanceof LedgerStorageError ? e : new LedgerStorageError((e as Error).message);
    }

    const snapshots = this.#snapshots;
    batch.applyTo(
      this.#state,
      snapshots.needsUndo(blockNum)
        ? (ns, key, previous) => snapshots.record(blockNum, ns, key, previous)
        : undefined,
    );
    snapshots.expire(this.height);
    for (const [ns, key, mod] of historyEntries) this.#history.add(ns, key, blockNum, mod);
    txIds.forEach((txId, txNum) => indexTx(this.#txIndex, txId, blockNum, txNum, codes[txNum] as number));
    this.#lastBlockHash = blockHeaderHash(header);
    return { codes, conflicts: new Map([...details].map(([n, d]) => [n, d.message])), details };
  }

  /**
   * Stages a valid transaction's writes into the block batch and its history entries; returns whether private data was
   * supplied and at least one collection matched its hash (so it is worth persisting).
   */
  static #stageValidTx(
    tx: StagedTx,
    blockNum: number,
    batch: UpdateBatch,
    state: StateDB,
    pvtBytes: Uint8Array | undefined,
    historyEntries: [string, string, KeyModification][],
  ): boolean {
    const privateWrites = pvtBytes === undefined ? undefined : verifiedPrivateWrites(pvtBytes, tx.nsRwSets);
    applyTxWrites(tx.nsRwSets, { blockNum, txNum: tx.txNum }, batch, state, privateWrites);
    for (const n of tx.nsRwSets) {
      for (const w of n.kv.getWritesList()) {
        const isDelete = isDeleteWrite(w);
        historyEntries.push([
          n.ns,
          w.getKey(),
          {
            txId: tx.parsed.txId,
            value: isDelete ? EMPTY : copyBytes(w.getValue_asU8()),
            isDelete,
            timestampMillis: tx.parsed.timestampMillis,
          },
        ]);
      }
    }
    return privateWrites !== undefined && privateWrites.size > 0;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LedgerError('the ledger is closed');
  }
}
