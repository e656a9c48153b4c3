import { compareUtf8 } from './keys';

/** Largest chunk before it is split in two; keeps inserts O(√-ish) memmove while lookups stay O(log n). */
const MAX_CHUNK = 512;

/**
 * A set of strings kept in UTF-8 order, for range scans in O(log n + k).
 *
 * Stored as a list of sorted chunks (like Python's sortedcontainers): an insert or delete touches one chunk of at
 * most {@link MAX_CHUNK} keys, so the commit path never moves the whole key space, and a range scan binary-searches
 * the chunk list and then walks forward.
 */
export class SortedKeySet {
  readonly #chunks: string[][] = [];
  /** Last (largest) key of each chunk, for the binary search over chunks. */
  readonly #maxes: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Inserts `key`; returns false when it was already present. */
  add(key: string): boolean {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      this.#maxes.push(key);
      this.#size = 1;
      return true;
    }
    let ci = this.#chunkFor(key);
    if (ci === this.#chunks.length) {
      ci--; // beyond every chunk: append to the last one
    }
    const chunk = this.#chunks[ci] as string[];
    const pos = lowerBound(chunk, key);
    if (pos < chunk.length && chunk[pos] === key) {
      return false;
    }
    chunk.splice(pos, 0, key);
    if (pos === chunk.length - 1) {
      this.#maxes[ci] = key;
    }
    this.#size++;
    if (chunk.length > MAX_CHUNK) {
      const half = chunk.splice(chunk.length >> 1);
      this.#chunks.splice(ci + 1, 0, half);
      this.#maxes.splice(ci, 1, chunk[chunk.length - 1] as string, half[half.length - 1] as string);
    }
    return true;
  }

  /** Removes `key`; returns false when it was absent. */
  delete(key: string): boolean {
    const ci = this.#chunkFor(key);
    if (ci === this.#chunks.length) {
      return false;
    }
    const chunk = this.#chunks[ci] as string[];
    const pos = lowerBound(chunk, key);
    if (pos >= chunk.length || chunk[pos] !== key) {
      return false;
    }
    chunk.splice(pos, 1);
    this.#size--;
    if (chunk.length === 0) {
      this.#chunks.splice(ci, 1);
      this.#maxes.splice(ci, 1);
    } else if (pos === chunk.length) {
      this.#maxes[ci] = chunk[chunk.length - 1] as string;
    }
    return true;
  }

  /**
   * Keys k with start ≤ k and (k < end, or k ≤ end when `includeEnd`), in UTF-8 order.
   * `end` undefined = unbounded. Iterating while the set is modified is not supported.
   */
  *range(start: string, end: string | undefined, includeEnd = false): Generator<string> {
    let ci = this.#chunkFor(start);
    if (ci === this.#chunks.length) {
      return;
    }
    let pos = lowerBound(this.#chunks[ci] as string[], start);
    for (; ci < this.#chunks.length; ci++, pos = 0) {
      const chunk = this.#chunks[ci] as string[];
      for (; pos < chunk.length; pos++) {
        const key = chunk[pos] as string;
        if (end !== undefined) {
          const c = compareUtf8(key, end);
          if (c > 0 || (c === 0 && !includeEnd)) {
            return;
          }
        }
        yield key;
      }
    }
  }

  /** Index of the first chunk whose max is ≥ key (chunks.length when none). */
  #chunkFor(key: string): number {
    let lo = 0;
    let hi = this.#maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareUtf8(this.#maxes[mid] as string, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

/** First index i with arr[i] ≥ key. */
function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUtf8(arr[mid] as string, key) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
