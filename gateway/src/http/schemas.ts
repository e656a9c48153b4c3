import { z } from 'zod';
// Installs the API's field messages before any schema is used.
import './messages';

/**
 * Every shape the REST API reads or writes, as zod schemas. Inputs are strict (an unknown field is an error);
 * outputs are loose (the ledger may add fields). The OpenAPI document is generated from these same schemas,
 * so what is validated and what is documented cannot drift apart.
 */

export interface SchemaMeta {
  readonly id: string;
  readonly description?: string;
}

/** Named schemas: each becomes `#/components/schemas/<id>` in the OpenAPI document. */
export const schemaRegistry = z.registry<SchemaMeta>();

export function named<T extends z.ZodType>(schema: T, id: string, description?: string): T {
  schemaRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

export const DAY_MS = 86_400_000;
export const MAX_REASON_LENGTH = 1024;

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const ID_MESSAGE = 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - starting with a letter or digit';

/** An id as the chaincode's generic id rule has it (proposal ids, names). */
export const idSchema = z.string().regex(ID_PATTERN, ID_MESSAGE);

/** Strict RFC 4648 §4 base64 with padding (the empty string is zero bytes). */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const base64 = z.string().regex(BASE64_PATTERN, 'must be standard base64 (RFC 4648 §4) with padding');

export function decodedBase64Length(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

export const reason = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`);
export const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const nonNegativeInt = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const epochMs = nonNegativeInt.describe('epoch milliseconds');
export const fingerprint = z.string().describe('hex SHA-256 of the certificate DER');
export const queryInt = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a non-negative decimal integer')
  .transform(Number);

export const noParams = z.strictObject({});
export const noQuery = z.strictObject({});

export const problemSchema = named(
  z.looseObject({
    type: z.string().describe('a URN urn:keyledger:problem:<name>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('what was wrong, for a human'),
    instance: z.string().describe('the request path'),
    requestId: z.string().optional(),
    errors: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .describe('one entry per invalid input, e.g. path "body.version"'),
  }),
  'Problem',
  'RFC 9457 problem details (application/problem+json).',
);

export const memberRefSchema = named(z.looseObject({ mspId: z.string(), fingerprint }), 'MemberRef');
