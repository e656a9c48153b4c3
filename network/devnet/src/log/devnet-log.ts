import { formatRecord } from './escape';
import { RotatingLogFile } from './rotating-file';

/** Options of the devnet's own log. */
export interface DevnetLogOptions {
  /** `<data>/logs/devnet.log`. */
  readonly path: string;
  /** Size cap of the file before it is rotated to `devnet.log.1` (default 10 MiB). */
  readonly maxBytes?: number;
  /** Also receives every record, control characters escaped (the CLI prints them). */
  readonly echo?: (line: string) => void;
  /** Clock for the timestamps (tests). */
  readonly now?: () => Date;
}

/**
 * The devnet's log: one timestamped record per event (launches, invalid transactions, internal errors), control
 * characters escaped wherever the text came from — keys, chaincode messages, error stacks.
 */
export class DevnetLog {
  readonly #file: RotatingLogFile;
  readonly #echo?: (line: string) => void;
  readonly #now: () => Date;
  #closed = false;

  constructor(options: Readonly<DevnetLogOptions>) {
    this.#file = new RotatingLogFile(options);
    this.#echo = options.echo;
    this.#now = options.now ?? ((): Date => new Date());
  }

  /** Writes one record; never throws (a full disk must not fail a transaction). */
  write(message: string): void {
    const record = formatRecord(`${this.#now().toISOString()} `, message);
    try {
      this.#file.write(record);
      // a late record (a chaincode exiting after stop) is still written, without keeping the file open
      if (this.#closed) this.#file.close();
    } catch {
      // the log is best effort: the ledger, not the log, is what must be durable
    }
    this.#echo?.(formatRecord('', message).trimEnd());
  }

  close(): void {
    this.#closed = true;
    this.#file.close();
  }
}
