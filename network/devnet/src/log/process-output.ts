import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { sanitizeProcessOutput } from './escape';
import { RotatingLogFile } from './rotating-file';

/** Longest unterminated line kept in memory before it is written as it is. */
const MAX_PARTIAL_LINE = 64 * 1024;

/** Options of a {@link ProcessOutputLog}. */
export interface ProcessOutputLogOptions {
  /** `<logs>/chaincode/<name>.log`, shared by every launch of that chaincode. */
  readonly path: string;
  /** Size cap before rotation to `<path>.1` (default 10 MiB). */
  readonly maxBytes?: number;
  /** How much of this process's output to keep in memory for error messages (default 4000 characters). */
  readonly tailChars?: number;
}

/**
 * Writes what a child process prints into a capped, rotated log file, line by line with terminal colours
 * removed and control characters escaped, and keeps the end of it in memory: a launch that fails quotes its
 * output even when the file was rotated meanwhile.
 */
export class ProcessOutputLog {
  readonly #file: RotatingLogFile;
  readonly #tailChars: number;
  #tail = '';
  #open = 0;
  readonly #drained: Promise<void>;
  #resolveDrained: () => void = () => undefined;

  constructor(options: Readonly<ProcessOutputLogOptions>) {
    this.#file = new RotatingLogFile(options);
    this.#tailChars = options.tailChars ?? 4000;
    this.#drained = new Promise((resolve) => {
      this.#resolveDrained = resolve;
    });
  }

  get path(): string {
    return this.#file.path;
  }

  /** A line of the devnet's own about this process (launch command, exit). */
  note(line: string): void {
    this.#append(`${sanitizeProcessOutput(line)}\n`);
  }

  /** Reads a stream of the process (stdout or stderr) until it ends. */
  follow(stream: Readable | null): void {
    if (!stream) return;
    this.#open++;
    const decoder = new StringDecoder('utf8');
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      // output without line breaks must not grow without bound in memory
      if (partial.length > MAX_PARTIAL_LINE) {
        lines.push(partial);
        partial = '';
      }
      if (lines.length > 0) this.#append(lines.map((line) => `${sanitizeProcessOutput(line)}\n`).join(''));
    });
    stream.once('close', () => {
      const rest = partial + decoder.end();
      this.#open--;
      if (rest !== '') this.#append(`${sanitizeProcessOutput(rest)}\n`);
      else if (this.#open === 0) this.#file.close();
      if (this.#open === 0) this.#resolveDrained();
    });
  }

  /** Resolves once every followed stream has ended (everything the process printed is in the file). */
  drained(): Promise<void> {
    return this.#open === 0 ? Promise.resolve() : this.#drained;
  }

  /** The end of this process's output (and the devnet's notes about it). */
  tail(): string {
    return this.#tail;
  }

  #append(text: string): void {
    this.#tail = (this.#tail + text).slice(-this.#tailChars);
    try {
      this.#file.write(text);
    } catch {
      // a log that cannot be written must not stop the chaincode; the tail still reaches error messages
    }
    // no stream of the process is open: do not hold the file (it may be rotated or deleted meanwhile)
    if (this.#open === 0) this.#file.close();
  }
}
