/**
 * The private data store: one record per block that carried private data of valid transactions, appended and
 * fsynced before the block itself (as Fabric commits the pvtdata store before the block store), so that every committed
 * block's private writes can be replayed on open. Records for blocks that never made it into the block store are
 * dropped on open.
 *
 * Record payload: `[u32 block number hi][u32 lo][u32 count]` then per transaction
 * `[u32 txNum][u32 txId length][txId UTF-8][u32 rwset length][TxPvtReadWriteSet bytes]`.
 */
import { RecordFile, type RecordLocation } from './recordfile';

export interface PrivateTxData {
  readonly txNum: number;
  readonly txId: string;
  /** Serialised `rwset.TxPvtReadWriteSet`. */
  readonly rwset: Uint8Array;
}

export interface PrivateBlockData {
  readonly blockNum: number;
  readonly txs: readonly PrivateTxData[];
}

export function encodePrivateBlock(data: PrivateBlockData): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.writeUInt32BE(Math.floor(data.blockNum / 2 ** 32), 0);
  head.writeUInt32BE(data.blockNum >>> 0, 4);
  head.writeUInt32BE(data.txs.length, 8);
  parts.push(head);
  for (const tx of data.txs) {
    const id = Buffer.from(tx.txId, 'utf8');
    const h = Buffer.alloc(8);
    h.writeUInt32BE(tx.txNum, 0);
    h.writeUInt32BE(id.length, 4);
    const l = Buffer.alloc(4);
    l.writeUInt32BE(tx.rwset.length, 0);
    parts.push(h, id, l, Buffer.from(tx.rwset.buffer, tx.rwset.byteOffset, tx.rwset.byteLength));
  }
  return Buffer.concat(parts);
}

/** Throws RangeError on a malformed payload (the caller treats it as a torn tail). */
export function decodePrivateBlock(buf: Buffer): PrivateBlockData {
  let pos = 0;
  const u32 = (): number => {
    const v = buf.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const take = (n: number): Buffer => {
    if (pos + n > buf.length) throw new RangeError('truncated private data record');
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const blockNum = u32() * 2 ** 32 + u32();
  const count = u32();
  const txs: PrivateTxData[] = [];
  for (let i = 0; i < count; i++) {
    const txNum = u32();
    const txId = take(u32()).toString('utf8');
    const rwset = new Uint8Array(take(u32()));
    txs.push({ txNum, txId, rwset });
  }
  if (pos !== buf.length) throw new RangeError('trailing bytes in private data record');
  return { blockNum, txs };
}

export class PrivateDataStore {
  readonly #file: RecordFile;
  /** File size before each block's record, to cut back records of blocks that were never committed. */
  readonly #recordStarts = new Map<number, number>();

  private constructor(file: RecordFile) {
    this.#file = file;
  }

  /** Opens the store and returns every intact record, in order. */
  static open(filePath: string): { store: PrivateDataStore; blocks: PrivateBlockData[] } {
    const blocks: PrivateBlockData[] = [];
    const starts: [number, number][] = [];
    let last = -1;
    const { file } = RecordFile.open(filePath, (payload: Buffer, loc: RecordLocation) => {
      let data: PrivateBlockData;
      try {
        data = decodePrivateBlock(payload);
      } catch {
        return false;
      }
      if (data.blockNum <= last) return false;
      last = data.blockNum;
      blocks.push(data);
      starts.push([data.blockNum, loc.offset - 8]);
      return true;
    });
    const store = new PrivateDataStore(file);
    for (const [n, s] of starts) store.#recordStarts.set(n, s);
    return { store, blocks };
  }

  async append(data: PrivateBlockData): Promise<void> {
    const start = this.#file.size;
    await this.#file.append(encodePrivateBlock(data));
    this.#recordStarts.set(data.blockNum, start);
  }

  /** Drops the records of blocks ≥ `height` (written just before a crash that lost the block). */
  truncateFrom(height: number): void {
    let cut: number | undefined;
    for (const [n, start] of this.#recordStarts) {
      if (n >= height && (cut === undefined || start < cut)) cut = start;
    }
    if (cut !== undefined) {
      this.#file.truncate(cut);
      for (const n of [...this.#recordStarts.keys()]) if (n >= height) this.#recordStarts.delete(n);
    }
  }

  close(): void {
    this.#file.close();
  }
}
