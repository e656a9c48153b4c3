import type { Version } from './types';
import { SortedKeySet } from './sortedkeys';

/** A committed value with the version (block, tx) that wrote it, and its state metadata (e.g. VALIDATION_PARAMETER). */
export interface VersionedValue {
  readonly value: Uint8Array;
  readonly version: Version;
  /** Undefined or empty = no metadata. */
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
  /** Parsed JSON object, cached by rich queries: undefined = not parsed yet, null = not a JSON object. */
  doc?: unknown;
}

/**
 * One namespace of world state: a hash map for point reads plus a UTF-8 ordered key index for range scans.
 * Updates to an existing key never touch the index, so the commit path is O(log n) only for new or deleted keys.
 */
export class NamespaceState {
  readonly #values = new Map<string, VersionedValue>();
  readonly #keys = new SortedKeySet();

  get size(): number {
    return this.#values.size;
  }

  get(key: string): VersionedValue | undefined {
    return this.#values.get(key);
  }

  put(key: string, value: VersionedValue): void {
    if (!this.#values.has(key)) {
      this.#keys.add(key);
    }
    this.#values.set(key, value);
  }

  delete(key: string): void {
    if (this.#values.delete(key)) {
      this.#keys.delete(key);
    }
  }

  /**
   * Entries with startKey ≤ key < endKey in UTF-8 order, as Fabric's LevelDB iterator: `''` start = first key,
   * `''` end = unbounded. With `includeEndKey` the end key itself is served last when present (phantom validation of
   * a range the simulation did not exhaust).
   */
  *range(startKey: string, endKey: string, includeEndKey = false): Generator<[string, VersionedValue]> {
    for (const key of this.#keys.range(startKey, endKey === '' ? undefined : endKey)) {
      yield [key, this.#values.get(key) as VersionedValue];
    }
    if (includeEndKey && endKey !== '') {
      const last = this.#values.get(endKey);
      if (last !== undefined) {
        yield [endKey, last];
      }
    }
  }
}

/** Internal namespace holding a collection's private values (plain keys), as Fabric's `ns$$pcoll`. */
export function privateNamespace(ns: string, collection: string): string {
  return `${ns}$$p${collection}`;
}

/** Internal namespace holding a collection's hashed state (hex SHA-256 of key → SHA-256 of value), as Fabric's `ns$$hcoll`. */
export function hashedNamespace(ns: string, collection: string): string {
  return `${ns}$$h${collection}`;
}

/** Read access to state, by the simulator: the live StateDB or a snapshot of it. */
export interface StateReader {
  get(ns: string, key: string): VersionedValue | undefined;
  /** Entries with start ≤ key < end in UTF-8 order; `''` start = first key, `''` end = unbounded. */
  range(ns: string, startKey: string, endKey: string): Iterable<[string, VersionedValue]>;
}

/** The whole world state: public namespaces plus the private and hashed namespaces of collections. */
export class StateDB implements StateReader {
  readonly #namespaces = new Map<string, NamespaceState>();

  namespace(ns: string): NamespaceState | undefined {
    return this.#namespaces.get(ns);
  }

  namespaceForUpdate(ns: string): NamespaceState {
    let state = this.#namespaces.get(ns);
    if (state === undefined) {
      state = new NamespaceState();
      this.#namespaces.set(ns, state);
    }
    return state;
  }

  get(ns: string, key: string): VersionedValue | undefined {
    return this.#namespaces.get(ns)?.get(key);
  }

  range(ns: string, startKey: string, endKey: string): Iterable<[string, VersionedValue]> {
    return this.#namespaces.get(ns)?.range(startKey, endKey) ?? [];
  }
}
