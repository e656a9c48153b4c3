/**
 * A committed world state with per-key history, as a peer keeps it. Transactions (see {@link MockStub})
 * read from it and buffer their writes; only a transaction that succeeds is committed, in one step.
 */
export interface Version {
  readonly blockNum: number;
  readonly txNum: number;
}

export interface CommittedValue {
  readonly value: Buffer;
  readonly version: Version;
}

export interface HistoryRecord {
  readonly txId: string;
  readonly value: Buffer;
  readonly isDelete: boolean;
  readonly timestampMillis: number;
}

/** Fabric orders keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16 code units, which differs. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class MockLedger {
  readonly #state = new Map<string, CommittedValue>();
  readonly #history = new Map<string, HistoryRecord[]>();
  #blockNum = 0;

  get height(): number {
    return this.#blockNum;
  }

  get(key: string): CommittedValue | undefined {
    return this.#state.get(key);
  }

  /** Keys in [start, end) in UTF-8 byte order — the snapshot a range query iterates. */
  range(startKey: string, endKey: string): { key: string; value: Buffer }[] {
    return [...this.#state.entries()]
      .filter(([key]) => compareUtf8(key, startKey) >= 0 && (endKey === '' || compareUtf8(key, endKey) < 0))
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([key, committed]) => ({ key, value: Buffer.from(committed.value) }));
  }

  history(key: string): HistoryRecord[] {
    return [...(this.#history.get(key) ?? [])].reverse();
  }

  /** Applies one transaction's write set as a new block; `null` deletes. */
  commit(txId: string, timestampMillis: number, writes: ReadonlyMap<string, Buffer | null>): void {
    this.#blockNum += 1;
    const version: Version = { blockNum: this.#blockNum, txNum: 0 };
    for (const [key, value] of writes) {
      const records = this.#history.get(key) ?? [];
      if (value === null) {
        this.#state.delete(key);
        records.push({ txId, value: Buffer.alloc(0), isDelete: true, timestampMillis });
      } else {
        this.#state.set(key, { value: Buffer.from(value), version });
        records.push({ txId, value: Buffer.from(value), isDelete: false, timestampMillis });
      }
      this.#history.set(key, records);
    }
  }

  /** A printable copy of the whole state, for "a rejected call changed nothing" assertions. */
  dump(): Record<string, string> {
    const entries = [...this.#state.entries()].sort(([a], [b]) => compareUtf8(a, b));
    return Object.fromEntries(entries.map(([key, committed]) => [key, committed.value.toString('utf8')]));
  }

  keys(): string[] {
    return [...this.#state.keys()].sort(compareUtf8);
  }
}
