/**
 * Snapshot reads for simulations.
 *
 * Fabric holds a read lock on the state for the whole simulation, so a transaction never sees half of one block and
 * half of the next. Blocking commits behind simulations would cost throughput here, so instead a commit that
 * overwrites a key while simulations are in flight first saves the key's previous value in an undo log; a simulation
 * reads through a {@link SnapshotView} fixed at the height it started at, which consults the log for keys changed
 * since. Without that, two organisations endorsing the same proposal while a block commits could see different
 * states and produce mismatching payloads. Entries are dropped as soon as no simulation needs them; a simulation that
 * is never ended expires after {@link MAX_SNAPSHOT_AGE} blocks and then reads current state.
 */
import { compareUtf8 } from './keys';
import type { StateDB, StateReader, VersionedValue } from './statedb';

/** Blocks after which an unfinished simulation's snapshot is released. */
export const MAX_SNAPSHOT_AGE = 1000;

interface UndoEntry {
  readonly block: number;
  /** The value before `block` changed it; undefined = the key did not exist. */
  readonly old: VersionedValue | undefined;
}

/** A registered snapshot; `released` once its simulation ended or expired. */
export interface SnapshotToken {
  readonly height: number;
  released: boolean;
}

function id(ns: string, key: string): string {
  return `${ns}\u0000${key}`;
}

export class SnapshotLog {
  readonly #byKey = new Map<string, UndoEntry[]>();
  readonly #byNs = new Map<string, Set<string>>();
  readonly #byBlock = new Map<number, string[]>();
  readonly #active = new Set<SnapshotToken>();

  register(height: number): SnapshotToken {
    const token = { height, released: false };
    this.#active.add(token);
    return token;
  }

  release(token: SnapshotToken): void {
    if (token.released) return;
    token.released = true;
    this.#active.delete(token);
    this.#prune();
  }

  /** Whether a commit of block `block` must record undo entries. */
  needsUndo(block: number): boolean {
    for (const t of this.#active) if (t.height <= block) return true;
    return false;
  }

  /** Records the value a key had before `block` changed it (first change per block only). */
  record(block: number, ns: string, key: string, old: VersionedValue | undefined): void {
    const k = id(ns, key);
    let list = this.#byKey.get(k);
    if (list === undefined) {
      list = [];
      this.#byKey.set(k, list);
      let keys = this.#byNs.get(ns);
      if (keys === undefined) {
        keys = new Set();
        this.#byNs.set(ns, keys);
      }
      keys.add(key);
    }
    if (list.length > 0 && (list[list.length - 1] as UndoEntry).block === block) return;
    list.push({ block, old });
    let blockKeys = this.#byBlock.get(block);
    if (blockKeys === undefined) {
      blockKeys = [];
      this.#byBlock.set(block, blockKeys);
    }
    blockKeys.push(k);
  }

  /** Releases snapshots older than MAX_SNAPSHOT_AGE blocks; called after each commit. */
  expire(height: number): void {
    for (const t of [...this.#active]) {
      if (height - t.height > MAX_SNAPSHOT_AGE) this.release(t);
    }
    this.#prune();
  }

  /**
   * The value of a key as of `height` when it changed since, as `{ value }` (value undefined = absent then);
   * undefined when it has not changed since (read the current state).
   */
  lookup(ns: string, key: string, height: number): { value: VersionedValue | undefined } | undefined {
    const list = this.#byKey.get(id(ns, key));
    if (list === undefined) return undefined;
    for (const e of list) {
      if (e.block >= height) return { value: e.old };
    }
    return undefined;
  }

  /** Keys of a namespace with undo entries (a superset of those changed since any active snapshot). */
  changedKeys(ns: string): ReadonlySet<string> | undefined {
    return this.#byNs.get(ns);
  }

  #prune(): void {
    let min = Infinity;
    for (const t of this.#active) if (t.height < min) min = t.height;
    for (const [block, keys] of this.#byBlock) {
      if (block >= min) continue;
      for (const k of keys) {
        const list = this.#byKey.get(k);
        if (list === undefined) continue;
        const i = list.findIndex((e) => e.block === block);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) {
          this.#byKey.delete(k);
          const sep = k.indexOf('\u0000');
          const ns = k.slice(0, sep);
          const nsKeys = this.#byNs.get(ns);
          nsKeys?.delete(k.slice(sep + 1));
          if (nsKeys?.size === 0) this.#byNs.delete(ns);
        }
      }
      this.#byBlock.delete(block);
    }
  }
}

/** State as of a height: current state corrected by the undo log. */
export class SnapshotView implements StateReader {
  constructor(
    private readonly db: StateDB,
    private readonly log: SnapshotLog,
    private readonly token: SnapshotToken,
  ) {}

  get height(): number {
    return this.token.height;
  }

  get(ns: string, key: string): VersionedValue | undefined {
    if (!this.token.released) {
      const old = this.log.lookup(ns, key, this.token.height);
      if (old !== undefined) return old.value;
    }
    return this.db.get(ns, key);
  }

  /** Entries with start ≤ key < end ('' end = unbounded) in UTF-8 order, as of the snapshot. */
  *range(ns: string, startKey: string, endKey: string): Generator<[string, VersionedValue]> {
    const current = this.db.namespace(ns);
    const changed = this.token.released ? undefined : this.log.changedKeys(ns);
    if (changed === undefined || changed.size === 0) {
      if (current !== undefined) yield* current.range(startKey, endKey);
      return;
    }
    // Keys that existed at the snapshot but have been deleted since are not in the current index: merge them in.
    const revived: [string, VersionedValue][] = [];
    for (const key of changed) {
      if (compareUtf8(key, startKey) < 0 || (endKey !== '' && compareUtf8(key, endKey) >= 0)) continue;
      if (current?.get(key) !== undefined) continue;
      const old = this.log.lookup(ns, key, this.token.height);
      if (old?.value !== undefined) revived.push([key, old.value]);
    }
    revived.sort((a, b) => compareUtf8(a[0], b[0]));
    let ri = 0;
    for (const [key, vv] of current?.range(startKey, endKey) ?? []) {
      while (ri < revived.length && compareUtf8((revived[ri] as [string, VersionedValue])[0], key) < 0) {
        yield revived[ri++] as [string, VersionedValue];
      }
      const old = this.log.lookup(ns, key, this.token.height);
      if (old === undefined) yield [key, vv];
      else if (old.value !== undefined) yield [key, old.value];
    }
    while (ri < revived.length) yield revived[ri++] as [string, VersionedValue];
  }
}
