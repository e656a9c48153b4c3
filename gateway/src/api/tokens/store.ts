import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../../files';

/** A bearer token as the gateway keeps it: its SHA-256 and metadata, never the token. */
export interface ApiTokenRecord {
  /** Public id, for listing and revoking (never enough to authenticate). */
  readonly id: string;
  /** The name of the identity the token acts as (one of the gateway's callers). */
  readonly identity: string;
  readonly label: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; null for a token that never expires (only imported legacy tokens). */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  /** Who made it: an identity name, or `bootstrap` for the tokens `npm start` makes. */
  readonly createdBy: string;
  /** Lower-case hex SHA-256 of the token. */
  readonly sha256: string;
}

export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

export interface IssuedToken {
  /** The bearer token itself: shown once, to whoever asked for it; the store forgets it. */
  readonly token: string;
  readonly record: ApiTokenRecord;
}

export interface IssueOptions {
  readonly identity: string;
  readonly label?: string;
  /** Lifetime in ms. */
  readonly ttlMs: number;
  readonly createdBy: string;
}

const recordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  identity: z.string().min(1),
  label: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
  createdBy: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const fileSchema = z.strictObject({ version: z.literal(1), tokens: z.array(recordSchema) });

/** `kl_` and 32 random bytes, base64url: an RFC 6750 b64token that says what it is when found in a log. */
const TOKEN_PREFIX = 'kl_';

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class ApiTokenStoreError extends Error {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ApiTokenStoreError.name;
  }
}

export interface ApiTokenStoreOptions {
  /** JSON file the records live in (mode 0600, replaced atomically); omit for a store in memory only. */
  readonly path?: string;
  readonly now?: () => number;
}

/**
 * The API's bearer tokens, kept hashed: a lookup hashes the presented token and finds its record, so the store
 * never holds a token and a stolen store file authenticates nobody. Every change is written to a temporary file,
 * fsynced and renamed over the old one, so a crash leaves either the old or the new set, never half of one.
 */
export class ApiTokenStore {
  readonly #path: string | undefined;
  readonly #now: () => number;
  readonly #byDigest = new Map<string, ApiTokenRecord>();
  readonly #byId = new Map<string, ApiTokenRecord>();

  constructor(options: ApiTokenStoreOptions = {}) {
    this.#path = options.path;
    this.#now = options.now ?? Date.now;
    if (this.#path !== undefined && existsSync(this.#path)) {
      this.#load(this.#path);
    }
  }

  #load(path: string): void {
    let parsed;
    try {
      parsed = fileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch (error) {
      throw new ApiTokenStoreError({
        message: `API token store ${path} is unreadable or invalid`,
        cause: error,
      });
    }
    for (const record of parsed.tokens) {
      this.#index(record);
    }
  }

  #index(record: ApiTokenRecord): void {
    this.#byDigest.set(record.sha256, record);
    this.#byId.set(record.id, record);
  }

  #persist(): void {
    if (this.#path !== undefined) {
      writeFileAtomic(
        this.#path,
        `${JSON.stringify({ version: 1, tokens: [...this.#byId.values()] }, null, 2)}\n`,
      );
    }
  }

  statusOf(record: ApiTokenRecord): ApiTokenStatus {
    if (record.revokedAt !== null) {
      return 'revoked';
    }
    return record.expiresAt !== null && record.expiresAt <= this.#now() ? 'expired' : 'active';
  }

  issue(options: IssueOptions): IssuedToken {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.#now();
    const record: ApiTokenRecord = {
      id: randomBytes(8).toString('hex'),
      identity: options.identity,
      label: options.label ?? '',
      createdAt: now,
      expiresAt: now + options.ttlMs,
      revokedAt: null,
      createdBy: options.createdBy,
      sha256: tokenDigest(token),
    };
    this.#index(record);
    this.#persist();
    return { token, record };
  }

  /** Keeps a token made elsewhere (a legacy plaintext file being migrated): only its digest is stored. */
  adopt(
    token: string,
    options: Omit<IssueOptions, 'ttlMs'> & { readonly expiresAt: number | null },
  ): ApiTokenRecord {
    const existing = this.#byDigest.get(tokenDigest(token));
    if (existing) {
      return existing;
    }
    const record: ApiTokenRecord = {
      id: randomBytes(8).toString('hex'),
      identity: options.identity,
      label: options.label ?? '',
      createdAt: this.#now(),
      expiresAt: options.expiresAt,
      revokedAt: null,
      createdBy: options.createdBy,
      sha256: tokenDigest(token),
    };
    this.#index(record);
    this.#persist();
    return record;
  }

  /** The active record of a presented token, or undefined (unknown, expired or revoked: the same answer). */
  authenticate(token: string): ApiTokenRecord | undefined {
    const record = this.#byDigest.get(tokenDigest(token));
    return record !== undefined && this.statusOf(record) === 'active' ? record : undefined;
  }

  get(id: string): ApiTokenRecord | undefined {
    return this.#byId.get(id);
  }

  /** Records in creation order, optionally of one identity. */
  list(identity?: string): ApiTokenRecord[] {
    return [...this.#byId.values()]
      .filter((record) => identity === undefined || record.identity === identity)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Revokes a token; revoking a revoked token changes nothing. */
  revoke(id: string): ApiTokenRecord | undefined {
    const record = this.#byId.get(id);
    if (record === undefined || record.revokedAt !== null) {
      return record;
    }
    const revoked = { ...record, revokedAt: this.#now() };
    this.#index(revoked);
    this.#persist();
    return revoked;
  }
}
