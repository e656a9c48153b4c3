import type { KeyRef } from '../hsm';
import type { VersionCipher } from './ciphers';
import { envelopeAad } from './envelope';
import type { LocalKeyVersion } from './types';
import type { VolumeCounter } from './volume';

/** One key version a front-end holds. Never carries key bytes, only the cipher that uses them. */
export interface KeyVersionEntry {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly committedAt: number;
  readonly notBefore: number;
  /** When this node started holding it (local clock). */
  readonly activatedAt: number;
  compromised: boolean;
  readonly cipher: VersionCipher;
  /** AAD of every message under this version, computed once. */
  readonly aad: Buffer;
  /** The persistent token object `${queueId}/v${version}` (set once it is written). */
  tokenKey?: KeyRef;
  /** Messages encrypted under this version and not yet reported. */
  readonly counter?: VolumeCounter;
}

export interface NewKeyVersion {
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly committedAt: number;
  readonly notBefore: number;
  readonly compromised: boolean;
  readonly cipher: VersionCipher;
  readonly tokenKey?: KeyRef;
  readonly counter?: VolumeCounter;
}

/**
 * The key versions of one queue on one front-end, with retention.
 *
 *   floor    = newestCommitted − retentionVersions   (versions ≤ floor are past retention)
 *   current  = the highest held version whose notBefore has passed, unless it is compromised (then none)
 *
 * New messages use `current`; any held version decrypts (compromised ones too unless the owner says
 * otherwise: messages sealed before the report must stay readable). A compromised newest version does not
 * make an older one current again: encryption stops until the replacement is held. A committed version this
 * node has not received yet (or refused) leaves `current` on the newest one it holds. `newestCommitted` is
 * the ledger's newest version as last seen, so versions this node refused or could not receive still age
 * older ones out.
 */
export class QueueKeyring {
  readonly queueId: string;
  #retention: number;
  #newestCommitted = 0;
  readonly #entries = new Map<number, KeyVersionEntry>();
  #current: KeyVersionEntry | undefined;

  constructor(queueId: string, retentionVersions: number) {
    this.queueId = queueId;
    this.#retention = checkRetention(retentionVersions);
  }

  get retentionVersions(): number {
    return this.#retention;
  }

  set retentionVersions(value: number) {
    this.#retention = checkRetention(value);
  }

  get newestCommitted(): number {
    return this.#newestCommitted;
  }

  /** Versions at or below this are past retention. */
  get floor(): number {
    return Math.max(0, this.#newestCommitted - this.#retention);
  }

  /** The version new messages are sealed with, or undefined when none is usable. */
  get current(): KeyVersionEntry | undefined {
    return this.#current;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(version: number): KeyVersionEntry | undefined {
    return this.#entries.get(version);
  }

  has(version: number): boolean {
    return this.#entries.has(version);
  }

  /** Versions held, ascending. */
  versions(): number[] {
    return [...this.#entries.keys()].sort((a, b) => a - b);
  }

  /** The ledger has committed `version` (possibly one this node will refuse). */
  noteCommitted(version: number): void {
    if (version > this.#newestCommitted) {
      this.#newestCommitted = version;
    }
  }

  /** Whether a version is worth acquiring: above the retention floor and not held yet. */
  wants(version: number): boolean {
    return version > this.floor && !this.#entries.has(version);
  }

  add(key: NewKeyVersion, now: number): KeyVersionEntry {
    if (this.#entries.has(key.version)) {
      throw new Error(`queue ${this.queueId} already holds key version ${key.version}`);
    }
    const entry: KeyVersionEntry = {
      queueId: this.queueId,
      version: key.version,
      keyId: key.keyId,
      keyCheckValue: key.keyCheckValue,
      committedAt: key.committedAt,
      notBefore: key.notBefore,
      activatedAt: now,
      compromised: key.compromised,
      cipher: key.cipher,
      aad: envelopeAad(this.queueId, key.version),
      ...(key.tokenKey ? { tokenKey: key.tokenKey } : {}),
      ...(key.counter ? { counter: key.counter } : {}),
    };
    this.#entries.set(key.version, entry);
    this.noteCommitted(key.version);
    this.refresh(now);
    return entry;
  }

  /** Returns true when the flag changed. A compromised version never encrypts again. */
  markCompromised(version: number, now: number): boolean {
    const entry = this.#entries.get(version);
    if (!entry || entry.compromised) {
      return false;
    }
    entry.compromised = true;
    this.refresh(now);
    return true;
  }

  /**
   * Re-selects `current` as of `now`. Returns the earliest notBefore still in the future, so the owner can
   * schedule the next refresh, or undefined.
   */
  refresh(now: number): number | undefined {
    let newest: KeyVersionEntry | undefined;
    let next: number | undefined;
    for (const entry of this.#entries.values()) {
      if (entry.notBefore > now) {
        next = next === undefined ? entry.notBefore : Math.min(next, entry.notBefore);
        continue;
      }
      if (!newest || entry.version > newest.version) {
        newest = entry;
      }
    }
    // Fail closed rather than fall back: when the newest valid version is compromised, nothing encrypts
    // until a replacement arrives — an older version was retired for a reason (its interval or its message
    // budget). And never step back from a usable current version (a clock stepping backwards must not undo
    // a switch).
    const best = newest && !newest.compromised ? newest : undefined;
    const held = this.#current;
    const keep =
      held !== undefined &&
      !held.compromised &&
      this.#entries.get(held.version) === held &&
      (newest === undefined || newest.version < held.version);
    if (!keep) {
      this.#current = best;
    }
    return next;
  }

  /** Removes and returns the entries past retention; the caller destroys their keys. */
  evict(now: number): KeyVersionEntry[] {
    const floor = this.floor;
    const evicted: KeyVersionEntry[] = [];
    for (const [version, entry] of this.#entries) {
      if (version <= floor) {
        this.#entries.delete(version);
        evicted.push(entry);
      }
    }
    if (evicted.length > 0) {
      this.refresh(now);
    }
    return evicted.sort((a, b) => a.version - b.version);
  }

  /** Removes every entry (shutdown). */
  clear(): KeyVersionEntry[] {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    this.#current = undefined;
    return all;
  }

  list(): LocalKeyVersion[] {
    return this.versions().map((version) => {
      const entry = this.#entries.get(version) as KeyVersionEntry;
      return {
        version,
        keyId: entry.keyId,
        keyCheckValue: entry.keyCheckValue,
        committedAt: entry.committedAt,
        compromised: entry.compromised,
        current: entry === this.#current,
      };
    });
  }
}

function checkRetention(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`retentionVersions must be a positive integer, got ${String(value)}`);
  }
  return value;
}
