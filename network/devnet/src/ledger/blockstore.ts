/**
 * The block store: blocks appended, one checksummed record each, to a single file and fsynced before a commit is
 * reported; an in-memory index of offsets serves reads, with the most recent blocks cached (deliver and event streams
 * mostly read the tip).
 */
import { common } from '@hyperledger/fabric-protos';
import { RecordFile, type RecordLocation } from './recordfile';

const CACHE_SIZE = 128;

export class BlockStore {
  readonly #file: RecordFile;
  readonly #index: RecordLocation[];
  readonly #cache = new Map<number, Uint8Array>();

  private constructor(file: RecordFile, index: RecordLocation[]) {
    this.#file = file;
    this.#index = index;
  }

  /**
   * Opens the store, handing each stored block to `replay` in order. A record that does not decode as the next block
   * ends the chain: it and anything after it are truncated. An error thrown by `replay` aborts the open (nothing is
   * truncated for it: a replay bug must not destroy blocks).
   */
  static open(
    filePath: string,
    replay: (block: common.Block, bytes: Uint8Array) => void,
  ): { store: BlockStore; truncated: boolean } {
    const index: RecordLocation[] = [];
    const { file, truncated } = RecordFile.open(filePath, (payload, location) => {
      let block: common.Block;
      try {
        block = common.Block.deserializeBinary(payload);
      } catch {
        return false;
      }
      if (block.getHeader()?.getNumber() !== index.length) return false;
      replay(block, payload);
      index.push(location);
      return true;
    });
    return { store: new BlockStore(file, index), truncated };
  }

  get height(): number {
    return this.#index.length;
  }

  async append(bytes: Uint8Array): Promise<void> {
    const location = await this.#file.append(bytes);
    const number = this.#index.length;
    this.#index.push(location);
    this.#cache.set(number, bytes);
    if (this.#cache.size > CACHE_SIZE) {
      this.#cache.delete(this.#cache.keys().next().value as number);
    }
  }

  getBlockBytes(number: number): Uint8Array | undefined {
    if (!Number.isInteger(number) || number < 0 || number >= this.#index.length) return undefined;
    const cached = this.#cache.get(number);
    if (cached !== undefined) return cached;
    return new Uint8Array(this.#file.read(this.#index[number] as RecordLocation));
  }

  close(): void {
    this.#file.close();
  }
}
