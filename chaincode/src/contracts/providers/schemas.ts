import { z } from 'zod';
import { idSchema, positiveInt, timeSchema, uniqueArray } from '../../lib';

/** Most outcomes one batch may carry (one transaction stays small). */
export const MAX_BATCH_OUTCOMES = 500;
/** An outcome may be stamped at most this long after the transaction time (clock skew of the orchestrator). */
export const MAX_OUTCOME_SKEW_MS = 5 * 60_000;
/** Latencies above this are refused as implausible (a call that long is a timeout, reported as a failure). */
export const MAX_LATENCY_MS = 600_000;
export const MAX_PEM_CHARS = 16_384;

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

export const httpsUrlSchema = z
  .string()
  .max(2048)
  .refine(isHttpsUrl, 'must be an https URL (no credentials in it)');

/** Algorithm names as JOSE / PKCS#11 spell them: AES-256-GCM, RSA-OAEP-256, ECDH-ES+A256KW, … */
export const algorithmSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ + -');

export const regionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');

const pemSchema = z.string().min(1).max(MAX_PEM_CHARS);

const keyIdsSchema = uniqueArray(idSchema, 0, 256);
const algorithmsSchema = uniqueArray(algorithmSchema, 1, 32);
const auditLinksSchema = uniqueArray(httpsUrlSchema, 0, 16);

export const registerProviderSchema = z
  .strictObject({
    providerId: idSchema,
    endpoint: httpsUrlSchema,
    certificatePem: pemSchema.optional(),
    publicKeyPem: pemSchema.optional(),
    algorithms: algorithmsSchema,
    keyIds: keyIdsSchema.default([]),
    region: regionSchema,
    auditLinks: auditLinksSchema.default([]),
  })
  .refine((value) => (value.certificatePem === undefined) !== (value.publicKeyPem === undefined), {
    message: 'provide exactly one of certificatePem or publicKeyPem',
    path: ['certificatePem'],
  });

export type RegisterProviderInput = z.infer<typeof registerProviderSchema>;

export const updateProviderSchema = z
  .strictObject({
    providerId: idSchema,
    /** Optimistic concurrency: when given, the update applies only to this version of the profile. */
    expectedVersion: positiveInt.optional(),
    endpoint: httpsUrlSchema.optional(),
    certificatePem: pemSchema.optional(),
    publicKeyPem: pemSchema.optional(),
    algorithms: algorithmsSchema.optional(),
    keyIds: keyIdsSchema.optional(),
    region: regionSchema.optional(),
    auditLinks: auditLinksSchema.optional(),
  })
  .refine((value) => value.certificatePem === undefined || value.publicKeyPem === undefined, {
    message: 'provide at most one of certificatePem or publicKeyPem',
    path: ['certificatePem'],
  })
  .refine(
    (value) =>
      [
        value.endpoint,
        value.certificatePem,
        value.publicKeyPem,
        value.algorithms,
        value.keyIds,
        value.region,
        value.auditLinks,
      ].some((field) => field !== undefined),
    { message: 'nothing to update: give at least one profile field' },
  );

export type UpdateProviderInput = z.infer<typeof updateProviderSchema>;

export const outcomeSchema = z.strictObject({
  providerId: idSchema,
  success: z.boolean(),
  latencyMs: z.number().int().nonnegative().max(MAX_LATENCY_MS),
  at: timeSchema,
});

export const outcomeBatchSchema = z.strictObject({
  batchId: idSchema,
  outcomes: z.array(outcomeSchema).min(1).max(MAX_BATCH_OUTCOMES),
});

export type OutcomeBatchInput = z.infer<typeof outcomeBatchSchema>;

export const listFilterSchema = z.strictObject({
  keyId: idSchema.optional(),
  algorithm: algorithmSchema.optional(),
  region: regionSchema.optional(),
  includeSuspended: z.boolean().optional(),
});

export type ListFilter = z.infer<typeof listFilterSchema>;
