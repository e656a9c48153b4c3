import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../files';

/** What a front-end knows of one (queue, key version) across restarts. */
export interface VolumeJournalEntry {
  readonly queueId: string;
  readonly version: number;
  /** Messages this node may have sealed under the version: a ceiling written before it is reached. */
  readonly reserved: number;
  /** Messages the ledger confirmed receiving from this node. */
  readonly reported: number;
}

const fileSchema = z.strictObject({
  version: z.literal(1),
  entries: z.array(
    z.strictObject({
      queueId: z.string().min(1),
      version: z.number().int().positive(),
      reserved: z.number().int().nonnegative(),
      reported: z.number().int().nonnegative(),
    }),
  ),
});

function keyOf(queueId: string, version: number): string {
  return `${queueId}\u0000${version}`;
}

/**
 * Makes message volume survive a crash. A node seals messages only below a ceiling it has written to disk (and
 * fsynced) beforehand, a block at a time; after a crash everything between what the ledger confirmed and the
 * ceiling is reported as used. Volume is therefore never undercounted — the AES-GCM usage limit holds — and is
 * overcounted by less than one block plus one unconfirmed report.
 */
export class VolumeJournal {
  readonly #path: string | undefined;
  readonly #entries = new Map<string, VolumeJournalEntry>();

  /** `path` omitted: a journal in memory (no durability; tests and nodes without a data folder). */
  constructor(path?: string) {
    this.#path = path;
    if (path !== undefined && existsSync(path)) {
      for (const entry of fileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).entries) {
        this.#entries.set(keyOf(entry.queueId, entry.version), entry);
      }
    }
  }

  get durable(): boolean {
    return this.#path !== undefined;
  }

  entries(): VolumeJournalEntry[] {
    return [...this.#entries.values()];
  }

  get(queueId: string, version: number): VolumeJournalEntry | undefined {
    return this.#entries.get(keyOf(queueId, version));
  }

  /** Raises the ceiling; on disk (fsynced) before this returns, so before any message above the old one is sealed. */
  reserve(queueId: string, version: number, reserved: number): void {
    const previous = this.get(queueId, version);
    this.#entries.set(keyOf(queueId, version), {
      queueId,
      version,
      reserved,
      reported: previous?.reported ?? 0,
    });
    this.#write(true);
  }

  /**
   * Records what the ledger confirmed. Not fsynced: losing it to a crash only makes the recovery report count the
   * confirmed messages again, which is within the overcount bound.
   */
  confirm(queueId: string, version: number, reported: number): void {
    const previous = this.get(queueId, version);
    this.#entries.set(keyOf(queueId, version), {
      queueId,
      version,
      reserved: Math.max(previous?.reserved ?? 0, reported),
      reported,
    });
    this.#write(false);
  }

  /** The version is retired and its last report confirmed: nothing is left to recover. */
  forget(queueId: string, version: number): void {
    if (this.#entries.delete(keyOf(queueId, version))) {
      this.#write(false);
    }
  }

  #write(durable: boolean): void {
    if (this.#path !== undefined) {
      writeFileAtomic(this.#path, JSON.stringify({ version: 1, entries: this.entries() }), { durable });
    }
  }
}
