import { ValidationError } from './errors';

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, `undefined` members omitted, and only
 * safe integers as numbers. Every endorser must produce byte-identical values, so floats (whose printing
 * differs between runtimes and invites rounding drift) are refused rather than stored.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function serialise(value: unknown, path: string): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new ValidationError(`${path} must be a safe integer, got ${String(value)}`);
      }
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => serialise(item, `${path}[${index}]`)).join(',')}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${serialise(member, `${path}.${key}`)}`).join(',')}}`;
    }
    default:
      throw new ValidationError(`${path} has a type that cannot be stored: ${typeof value}`);
  }
}
