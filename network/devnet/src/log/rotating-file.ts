import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/** Options of a {@link RotatingLogFile}. */
export interface RotatingLogFileOptions {
  /** The file written; the previous one is kept as `<path>.1`. */
  readonly path: string;
  /** Largest size of the file before it is rotated (default 10 MiB). */
  readonly maxBytes?: number;
}

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;

/**
 * An append-only log file capped in size: when a write would take it past `maxBytes`, the file becomes
 * `<path>.1` (replacing an older one) and a new file starts, so a log never holds more than twice the cap on
 * disk. Writes are synchronous and in call order — log lines are rare and small, and a line written just before
 * a crash must be in the file.
 */
export class RotatingLogFile {
  readonly path: string;
  readonly #maxBytes: number;
  #fd: number | undefined;
  #size = 0;

  constructor(options: Readonly<RotatingLogFileOptions>) {
    this.path = options.path;
    this.#maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_LOG_MAX_BYTES);
  }

  /** Appends text (UTF-8); a piece larger than the cap keeps only its end. */
  write(text: string | Buffer): void {
    let bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (bytes.length === 0) return;
    if (bytes.length > this.#maxBytes) bytes = bytes.subarray(bytes.length - this.#maxBytes);
    let fd = this.#open();
    if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) {
      this.close();
      renameSync(this.path, `${this.path}.1`);
      fd = this.#open();
    }
    writeSync(fd, bytes);
    this.#size += bytes.length;
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number {
    if (this.#fd === undefined) {
      this.#fd = openSync(this.path, 'a');
      this.#size = fstatSync(this.#fd).size;
    }
    return this.#fd;
  }
}
