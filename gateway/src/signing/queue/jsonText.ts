import { createHash } from 'node:crypto';

/**
 * Canonical JSON text of a payload or a result: object keys sorted, no whitespace. The same body therefore has
 * the same text and digest whatever order its client wrote the members in, which is what an idempotency check
 * compares. Unlike the ledger's canonical JSON (chaincode/src/protocol) finite non-integer numbers are kept: a
 * JWT NumericDate may carry fractions, and this text is read back by the same runtime, never endorsed.
 *
 * Returns the text, or a message saying which member cannot be JSON (undefined, a function, NaN, a class
 * instance…), so that the caller can name the request it came from.
 */
export function canonicalJsonText(value: unknown): { readonly text: string } | { readonly problem: string } {
  try {
    return { text: serialise(value, '$', new Set()) };
  } catch (error) {
    if (error instanceof NotJsonError) return { problem: error.message };
    throw error;
  }
}

/** SHA-256 (hex) of a text: how the queue remembers a body it must compare later. */
export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

class NotJsonError extends Error {}

function serialise(value: unknown, path: string, open: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new NotJsonError(`${path} is ${String(value)}, which JSON cannot hold`);
      return JSON.stringify(value);
    case 'object':
      return serialiseObject(value, path, open);
    default:
      throw new NotJsonError(`${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

function serialiseObject(value: object, path: string, open: Set<object>): string {
  if (open.has(value)) throw new NotJsonError(`${path} refers back to itself`);
  open.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item: unknown, index) => serialise(item, `${path}[${index}]`, open)).join(',')}]`;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new NotJsonError(`${path} is not a plain object`);
    }
    const members = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const parts = members.map(
      ([key, member]) => `${JSON.stringify(key)}:${serialise(member, `${path}.${key}`, open)}`,
    );
    return `{${parts.join(',')}}`;
  } finally {
    open.delete(value);
  }
}
