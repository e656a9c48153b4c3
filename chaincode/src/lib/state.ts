import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from './canonical';
import { NotFoundError } from './errors';

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

export async function exists(ctx: Context, key: string): Promise<boolean> {
  const bytes = await ctx.stub.getState(key);
  return !!bytes && bytes.length > 0;
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
