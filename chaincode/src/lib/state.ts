import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../protocol/canonical';
import { NotFoundError } from '../protocol/errors';

/** Reads a JSON record from committed state (Fabric never shows this transaction's own writes). */
export async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (!bytes || bytes.length === 0) {
    return undefined;
  }
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function mustReadJson<T>(ctx: Context, key: string, what: string): Promise<T> {
  const value = await readJson<T>(ctx, key);
  if (value === undefined) {
    throw new NotFoundError(`${what} not found`);
  }
  return value;
}

export async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, canonicalBytes(value));
}

/**
 * Keeps an index in step with a record: deletes the entries of values the record no longer has and writes
 * `entry` under the values it gained. Entries of unchanged values are not rewritten, so an update touches (and
 * can conflict on) only the index keys it really changes. `keyOf` gives a value's index key for this record.
 */
export async function syncIndex<T extends string>(
  ctx: Context,
  before: Iterable<T>,
  after: Iterable<T>,
  keyOf: (value: T) => string,
  entry: unknown,
): Promise<void> {
  const had = new Set(before);
  const has = new Set(after);
  for (const value of had) {
    if (!has.has(value)) {
      await ctx.stub.deleteState(keyOf(value));
    }
  }
  for (const value of has) {
    if (!had.has(value)) {
      await writeJson(ctx, keyOf(value), entry);
    }
  }
}

/** A record under optimistic concurrency: each write bumps `version`, which clients may name to update it. */
export interface Versioned {
  readonly version: number;
  readonly updatedAt: number;
}

/** The record's next version: `changes` applied, stamped with the transaction time, the counter bumped. */
export function nextVersion<T extends Versioned>(record: T, changes: Partial<T>, now: number): T {
  return { ...record, ...changes, updatedAt: now, version: record.version + 1 };
}

export async function exists(ctx: Context, key: string): Promise<boolean> {
  const bytes = await ctx.stub.getState(key);
  return !!bytes && bytes.length > 0;
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
