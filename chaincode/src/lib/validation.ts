import { z } from 'zod';
import { ValidationError } from '../protocol/errors';
import { QUEUE_ID_PATTERN, QUEUE_ID_RULE } from '../protocol/queueId';

/**
 * Identifiers become composite-key attributes and event fields, so they are restricted to a safe alphabet:
 * no U+0000 (the composite-key separator), no whitespace, at most 128 characters.
 */
export const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/,
    'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - (starting with a letter or digit)',
  );

/**
 * Queue ids are narrower than other ids: they also become URL paths, token labels, file names and broker
 * topic names outside the ledger. The rule lives in the protocol module so the gateway uses the same one.
 */
export const queueIdSchema = z.string().regex(QUEUE_ID_PATTERN, QUEUE_ID_RULE);

export const mspIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an MSP id');

/** Hex-encoded SHA-256 certificate fingerprint (lower case). */
export const fingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters');

/** The two fields that name a ledger identity, to spread into an input object that carries them. */
export const identityRefShape = { mspId: mspIdSchema, fingerprint: fingerprintSchema };

/** An identity reference on its own, e.g. an owner: exactly `{mspId, fingerprint}`. */
export const identityRefSchema = z.strictObject(identityRefShape);

export const hexSchema = z.string().regex(/^(?:[0-9a-f]{2})+$/, 'must be lower-case hex');

export const base64Schema = z
  .string()
  .min(1)
  .max(65536)
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64 or base64url');

/** Epoch milliseconds. */
export const timeSchema = z.number().int().nonnegative().max(8_640_000_000_000_000);

export const nonNegativeInt = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const reasonSchema = z.string().min(1).max(1024);

/** Whether no value occurs twice (compared as a Set compares: strings by value, objects by reference). */
export function distinct(values: readonly unknown[]): boolean {
  return new Set(values).size === values.length;
}

/**
 * An array of `min`..`max` strings, none twice: lists that become index entries or sets (key ids, CA ids, module
 * ids), where a duplicate would be a second index write or a double count.
 */
export function uniqueArray<T extends z.ZodType<string>>(
  item: T,
  min: number,
  max: number,
  message = 'must not contain duplicates',
): z.ZodType<string[]> {
  return z.array(item).min(min).max(max).refine(distinct, message);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(value)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates an already-parsed value against a schema; the error says which field was wrong and why. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(`invalid ${what}: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/** Parses a JSON transaction argument and validates it. */
export function parseJsonArg<T>(schema: z.ZodType<T>, raw: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ValidationError(`invalid ${what}: not valid JSON`);
  }
  return validate(schema, value, what);
}

export function parseId(raw: string, what: string): string {
  return validate(idSchema, raw, what);
}

export function parseQueueId(raw: string): string {
  return validate(queueIdSchema, raw, 'queue id');
}

/** Parses a decimal integer argument (transaction arguments are strings). */
export function parseIntArg(raw: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d{1,16}$/.test(raw)) {
    throw new ValidationError(`invalid ${what}: must be an integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`invalid ${what}: must be an integer between ${min} and ${max}`);
  }
  return value;
}
