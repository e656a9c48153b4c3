import { isVersionRetained, type RetentionPolicy } from '@keyledger/chaincode/protocol';
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

/** A committed version as the keyring learns of it from the ledger. */
export interface CommittedVersion {
  readonly version: number;
  /** When a later version took over (GetRotationsSince); absent while nothing replaced it. */
  readonly supersededAt?: number;
}

/**
 * The key versions of one queue on one front-end, with retention.
 *
 *   retained ⇔ one of the newest retentionVersions committed versions, or not superseded yet, or superseded
 *              less than retentionMs ago (the protocol's isVersionRetained — the chaincode's own rule)
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
  #policy: RetentionPolicy;
  #newestCommitted = 0;
  readonly #supersededAt = new Map<number, number>();
  readonly #entries = new Map<number, KeyVersionEntry>();
  #current: KeyVersionEntry | undefined;

  constructor(queueId: string, policy: RetentionPolicy) {
    this.queueId = queueId;
    this.#policy = checkPolicy(policy);
  }

  get policy(): RetentionPolicy {
    return this.#policy;
  }

  set policy(value: RetentionPolicy) {
    this.#policy = checkPolicy(value);
  }

  get retentionVersions(): number {
    return this.#policy.retentionVersions;
  }

  get newestCommitted(): number {
    return this.#newestCommitted;
  }

  /** Whether retention still keeps `version` at `now` (as far as this node has seen the ledger). */
  retains(version: number, now: number): boolean {
    const supersededAt = this.#supersededAt.get(version);
    return isVersionRetained(
      this.#policy,
      this.#newestCommitted,
      supersededAt === undefined ? { version } : { version, supersededAt },
      now,
    );
  }

  /** A committed version retention no longer keeps: its key is (or will be) destroyed. */
  isPastRetention(version: number, now: number): boolean {
    return version <= this.#newestCommitted && !this.retains(version, now);
  }

  /**
   * The lowest version a catch-up must read from the ledger: the oldest one held (its supersededAt moves as later
   * versions commit), or the next one to come when nothing is held.
   */
  get oldestOfInterest(): number {
    const held = this.versions();
    return held[0] ?? this.#newestCommitted + 1;
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

  /** The ledger has committed `version` (possibly one this node will refuse), replaced at `supersededAt`. */
  noteCommitted(committed: number | CommittedVersion): void {
    const { version, supersededAt } = typeof committed === 'number' ? { version: committed } : committed;
    if (version > this.#newestCommitted) {
      this.#newestCommitted = version;
    }
    if (supersededAt !== undefined) {
      this.#supersededAt.set(version, supersededAt);
    }
  }

  /** Whether a version is worth acquiring: still retained and not held yet. */
  wants(version: number, now: number): boolean {
    return !this.#entries.has(version) && this.retains(version, now);
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

  /** Removes and returns the entries retention no longer keeps; the caller destroys their keys. */
  evict(now: number): KeyVersionEntry[] {
    const evicted: KeyVersionEntry[] = [];
    for (const [version, entry] of this.#entries) {
      if (!this.retains(version, now)) {
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

function checkPolicy(policy: RetentionPolicy): RetentionPolicy {
  if (!Number.isSafeInteger(policy.retentionVersions) || policy.retentionVersions < 1) {
    throw new Error(`retentionVersions must be a positive integer, got ${String(policy.retentionVersions)}`);
  }
  if (!Number.isSafeInteger(policy.retentionMs) || policy.retentionMs < 0) {
    throw new Error(`retentionMs must be a non-negative integer, got ${String(policy.retentionMs)}`);
  }
  return { retentionVersions: policy.retentionVersions, retentionMs: policy.retentionMs };
}
