import { createHash } from 'node:crypto';
import { ProblemError } from '../http';

/** A response as the API sends it, kept so that a retried request gets the same answer. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly body: string;
}

interface Entry {
  readonly requestHash: string;
  readonly expiresAt: number;
  response?: StoredResponse;
}

export interface IdempotencyOptions {
  /** How long a response is replayed (default 24 h). */
  readonly ttlMs?: number;
  /** Most keys kept; the oldest go first (default 10 000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** Printable ASCII without spaces, 1-255 characters (as the IETF Idempotency-Key draft suggests). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (Array.isArray(value) || !KEY_PATTERN.test(value)) {
    throw new ProblemError(
      'invalid-request',
      'Idempotency-Key must be one value of 1-255 printable ASCII characters',
      {
        errors: [
          {
            path: 'header.Idempotency-Key',
            message: 'must be 1-255 printable ASCII characters without spaces',
          },
        ],
      },
    );
  }
  return value;
}

export type Reservation =
  | { readonly kind: 'new'; complete(response: StoredResponse): void; abandon(): void }
  | { readonly kind: 'replay'; readonly response: StoredResponse };

/**
 * In-memory, bounded store of responses by (caller, method, path, Idempotency-Key). A repeat of a finished
 * request with the same body is answered from the store; one with a different body is a 422; one that
 * arrives while the first is still running is a 409. Failures of ours (5xx) are not stored, so a retry runs.
 */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: IdempotencyOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 86_400_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  static requestHash(parts: readonly string[]): string {
    const hash = createHash('sha256');
    for (const part of parts) {
      hash.update(String(part.length)).update(':').update(part);
    }
    return hash.digest('hex');
  }

  reserve(scope: string, key: string, requestHash: string): Reservation {
    const id = `${scope}\u0000${key}`;
    const now = this.#now();
    const existing = this.#entries.get(id);
    if (existing && existing.expiresAt > now) {
      if (existing.requestHash !== requestHash) {
        throw new ProblemError(
          'idempotency-key-reused',
          'this Idempotency-Key was already used for a different request; use a new key for a new request',
        );
      }
      if (!existing.response) {
        throw new ProblemError(
          'idempotency-in-flight',
          'a request with this Idempotency-Key is still being processed; retry later',
          { headers: { 'Retry-After': '1' } },
        );
      }
      return { kind: 'replay', response: existing.response };
    }
    if (existing) {
      this.#entries.delete(id);
    }
    this.#evict(now);
    const entry: Entry = { requestHash, expiresAt: now + this.#ttlMs };
    this.#entries.set(id, entry);
    return {
      kind: 'new',
      complete: (response) => {
        if (response.status >= 500) {
          this.#entries.delete(id);
        } else {
          entry.response = response;
        }
      },
      abandon: () => {
        this.#entries.delete(id);
      },
    };
  }

  #evict(now: number): void {
    if (this.#entries.size < this.#maxEntries) {
      return;
    }
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(id);
      }
    }
    // Map iteration is insertion order: the first keys are the oldest.
    for (const id of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) {
        break;
      }
      this.#entries.delete(id);
    }
  }
}
