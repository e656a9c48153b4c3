/**
 * An append-only file of checksummed records: `[u32 BE payload length][u32 BE CRC-32 of payload][payload]`.
 *
 * Appends are written and fsynced before they resolve. On open the file is scanned from the start; the first record
 * that is incomplete, fails its checksum or is rejected by the caller marks a torn tail (a crash mid-append, e.g. after
 * `kill -9`) and the file is truncated there, so the next append starts from a clean boundary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { promisify } from 'node:util';

const HEADER = 8;
/** A sanity bound that stops a corrupt length from triggering a huge allocation. */
const MAX_RECORD = 1 << 30;

const fsyncAsync = promisify(fs.fsync);

function writeAsync(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buf, offset, length, null, (err, written) => (err ? reject(err) : resolve(written)));
  });
}

/** Where a record's payload lives in the file. */
export interface RecordLocation {
  readonly offset: number;
  readonly length: number;
}

/** Thrown for I/O failures of the ledger's files. */
export class LedgerStorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerStorageError';
  }
}

/** fsyncs a directory so that a newly created file's entry survives a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export class RecordFile {
  readonly #path: string;
  #fd: number;
  #size: number;

  private constructor(filePath: string, fd: number, size: number) {
    this.#path = filePath;
    this.#fd = fd;
    this.#size = size;
  }

  /**
   * Opens (creating if needed) and scans the file. `accept` sees each intact record in order and may return false
   * to declare it (and everything after it) invalid; the file is then truncated before it.
   * Returns the file and whether a tail was truncated.
   */
  static open(
    filePath: string,
    accept: (payload: Buffer, location: RecordLocation) => boolean,
  ): { file: RecordFile; truncated: boolean } {
    const existed = fs.existsSync(filePath);
    const fd = fs.openSync(filePath, 'a+');
    if (!existed) {
      fs.fsyncSync(fd);
      fsyncDirectory(path.dirname(filePath));
    }
    try {
      const size = fs.fstatSync(fd).size;
      const header = Buffer.alloc(HEADER);
      let pos = 0;
      while (pos < size) {
        if (size - pos < HEADER || fs.readSync(fd, header, 0, HEADER, pos) !== HEADER) break;
        const length = header.readUInt32BE(0);
        const checksum = header.readUInt32BE(4);
        if (length > MAX_RECORD || pos + HEADER + length > size) break;
        const payload = Buffer.alloc(length);
        if (length > 0 && fs.readSync(fd, payload, 0, length, pos + HEADER) !== length) break;
        if (crc32(payload) !== checksum) break;
        if (!accept(payload, { offset: pos + HEADER, length })) break;
        pos += HEADER + length;
      }
      const truncated = pos < size;
      if (truncated) {
        fs.ftruncateSync(fd, pos);
        fs.fsyncSync(fd);
      }
      return { file: new RecordFile(filePath, fd, pos), truncated };
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get path(): string {
    return this.#path;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends one record and fsyncs; on failure the partial record is cut off again. */
  async append(payload: Uint8Array): Promise<RecordLocation> {
    const record = Buffer.alloc(HEADER + payload.length);
    record.writeUInt32BE(payload.length, 0);
    record.writeUInt32BE(crc32(payload), 4);
    record.set(payload, HEADER);
    const start = this.#size;
    try {
      let written = 0;
      while (written < record.length) {
        written += await writeAsync(this.#fd, record, written, record.length - written);
      }
      await fsyncAsync(this.#fd);
    } catch (e) {
      try {
        fs.ftruncateSync(this.#fd, start);
      } catch {
        // the scan on the next open truncates whatever is left
      }
      throw new LedgerStorageError(`cannot append to ${this.#path}: ${(e as Error).message}`);
    }
    this.#size = start + record.length;
    return { offset: start + HEADER, length: payload.length };
  }

  read(location: RecordLocation): Buffer {
    const buf = Buffer.alloc(location.length);
    if (
      location.length > 0 &&
      fs.readSync(this.#fd, buf, 0, location.length, location.offset) !== location.length
    ) {
      throw new LedgerStorageError(`short read from ${this.#path} at ${location.offset}`);
    }
    return buf;
  }

  /** Cuts the file back to `size` bytes (a record boundary) and fsyncs. */
  truncate(size: number): void {
    fs.ftruncateSync(this.#fd, size);
    fs.fsyncSync(this.#fd);
    this.#size = size;
  }

  close(): void {
    if (this.#fd >= 0) {
      fs.closeSync(this.#fd);
      this.#fd = -1;
    }
  }
}
