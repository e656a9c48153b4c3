import { z } from 'zod';
import { epochMs, named, nonNegativeInt, positiveInt } from '../http/schemas';
import {
  base64Of as wireBase64Of,
  encryptionContextSchema,
  KEY_SPECS,
  keyIdSchema,
  MAX_BLOB_BYTES,
  MAX_ENCRYPT_PLAINTEXT_BYTES,
} from './wire';

/** REST shapes of the key operations (served by providers the orchestrator picks) and of the provider views. */

function base64Of(maxBytes: number, what: string, minBytes = 0): z.ZodString {
  return wireBase64Of(maxBytes, minBytes).describe(what);
}

const region = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 characters of a-z 0-9 - (a region such as eu-west)')
  .optional()
  .describe("the caller's region: providers there are preferred (default: the gateway's region)");
const context = encryptionContextSchema.describe(
  'encryption context: string pairs bound to the ciphertext as AAD; decrypting needs the same pairs',
);

export const providerParams = z.strictObject({
  providerId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
    .describe('provider id'),
});

export const dataKeyBody = named(
  z.strictObject({ encryptionContext: context, keySpec: z.enum(KEY_SPECS).default('AES_256'), region }),
  'GenerateDataKeyRequest',
);
export const encryptBody = named(
  z.strictObject({
    plaintext: base64Of(MAX_ENCRYPT_PLAINTEXT_BYTES, 'the data, base64 (1 byte to 4 KiB)', 1),
    encryptionContext: context,
    region,
  }),
  'KeyEncryptRequest',
);
export const decryptBody = named(
  z.strictObject({
    ciphertextBlob: base64Of(MAX_BLOB_BYTES, 'a ciphertext blob of this key, base64'),
    encryptionContext: context,
    region,
  }),
  'KeyDecryptRequest',
);
export const reEncryptBody = named(
  z.strictObject({
    ciphertextBlob: base64Of(MAX_BLOB_BYTES, 'a ciphertext blob of this key, base64'),
    sourceEncryptionContext: context,
    destinationKeyId: keyIdSchema,
    destinationEncryptionContext: context,
    region,
  }),
  'KeyReEncryptRequest',
);

const breakerSchema = z.enum(['closed', 'open', 'half-open']);

export const selectionSchema = named(
  z.looseObject({
    candidates: z.array(
      z.looseObject({
        providerId: z.string(),
        region: z.string(),
        score: nonNegativeInt.describe('on-chain score, 0-10 000'),
        proximity: z.number(),
        inFlight: nonNegativeInt,
        ewmaMs: z.number().describe('latency (peak EWMA) this gateway measured'),
        breaker: breakerSchema,
        slowStart: z.boolean(),
        eligible: z.boolean(),
        weight: z.number(),
        excludedBecause: z.string().optional(),
      }),
    ),
    sampled: z.array(z.string()),
    chosen: z.string(),
    reason: z.string(),
    panic: z.boolean(),
  }),
  'ProviderSelection',
  'Why this provider: every candidate with its score, load, region and breaker state, the two sampled, the choice.',
);

const attemptSchema = z.looseObject({
  providerId: z.string(),
  role: z.enum(['producer', 'verifier']).describe('answered the request, or checked a data key'),
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.looseObject({ kind: z.string(), problem: z.string().optional(), message: z.string() }).optional(),
});

const served = {
  providerId: z.string().describe('the provider that served the request'),
  keyId: z.string(),
  keyVersion: positiveInt,
  verified: z
    .boolean()
    .describe('a data key: whether a second provider decrypted the blob back to it (byzantine check)'),
  verification: z.string().describe('why it is, or is not, verified'),
  selection: selectionSchema,
  attempts: z.array(attemptSchema).describe('every provider tried, in order (failover)'),
};

export const dataKeySchema = named(
  z.looseObject({
    ...served,
    plaintext: z.string().describe('the data key, base64: use it, then wipe it; never store it'),
    ciphertextBlob: z.string().describe('the data key sealed under the CMK: store it beside the data'),
  }),
  'DataKey',
);
export const sealedSchema = named(z.looseObject({ ...served, ciphertextBlob: z.string() }), 'KeyCiphertext');
export const openedSchema = named(z.looseObject({ ...served, plaintext: z.string() }), 'KeyPlaintext');

const liveSchema = z
  .looseObject({
    inFlight: nonNegativeInt,
    ewmaMs: z.number(),
    breaker: breakerSchema,
    outcomes: nonNegativeInt.describe('outcomes this gateway recorded for it'),
  })
  .describe("this gateway's live view: load, latency and circuit breaker");

export const providerViewSchema = named(
  z.looseObject({
    providerId: z.string(),
    endpoint: z.string(),
    region: z.string(),
    status: z.string(),
    keyIds: z.array(z.string()),
    certificateFingerprint: z.string().optional(),
    score: nonNegativeInt,
    components: z.record(z.string(), z.number()),
    live: liveSchema.optional(),
  }),
  'KeyProvider',
);

export const providerListSchema = named(
  z.looseObject({
    providers: z.array(providerViewSchema),
    reporting: z
      .looseObject({ pending: nonNegativeInt, batchesConfirmed: nonNegativeInt })
      .describe('outcome reports to the ledger: waiting, and batches recorded'),
    asOf: epochMs,
  }),
  'KeyProviderList',
);

export const providerDetailSchema = named(
  z.looseObject({
    provider: providerViewSchema,
    stats: z.looseObject({ successCount: nonNegativeInt, failureCount: nonNegativeInt }),
    recent: z
      .array(
        z.union([
          z.looseObject({ success: z.boolean(), latencyMs: z.number(), at: epochMs }),
          z.looseObject({
            from: epochMs,
            to: epochMs,
            at: epochMs,
            successes: nonNegativeInt,
            failures: nonNegativeInt,
            successLatencyMs: nonNegativeInt,
            failureLatencyMs: nonNegativeInt,
          }),
        ]),
      )
      .describe('newest first: single outcomes, and tallies of the calls one orchestrator batch reported'),
    asOf: epochMs,
  }),
  'KeyProviderDetail',
);
