import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0600: what the gateway writes is credentials and counts). */
  readonly mode?: number;
  /**
   * fsync the file and its directory before returning (default true), so the new contents survive a crash. Off
   * for writes whose loss a crash may cost (the old contents stay whole either way).
   */
  readonly durable?: boolean;
}

/**
 * Replaces `path` with `contents` so that a reader — or a restart after a crash — sees either the old file or the
 * new one, never half of one: written to a temporary file beside it, then renamed over it.
 */
export function writeFileAtomic(path: string, contents: string, options: AtomicWriteOptions = {}): void {
  const durable = options.durable ?? true;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', options.mode ?? 0o600);
  try {
    writeSync(fd, contents);
    if (durable) {
      fsyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  if (durable) {
    // The rename itself is durable only once the directory is.
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
