import { z } from 'zod';
import { idSchema, positiveInt, timeSchema, uniqueArray } from '../../lib';
import { REPUTATION_WINDOW_MS, reputationWindowOf } from '../../protocol/providers';

/** Most outcomes one batch may carry (one transaction stays small). */
export const MAX_BATCH_OUTCOMES = 500;
/** An outcome may be stamped at most this long after the transaction time (clock skew of the orchestrator). */
export const MAX_OUTCOME_SKEW_MS = 5 * 60_000;
/** Latencies above this are refused as implausible (a call that long is a timeout, reported as a failure). */
export const MAX_LATENCY_MS = 600_000;
/** Most calls one tally may stand for on each side (successes, failures). */
export const MAX_TALLY_CALLS = 1_000_000;
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

export const singleOutcomeSchema = z.strictObject({
  providerId: idSchema,
  success: z.boolean(),
  latencyMs: z.number().int().nonnegative().max(MAX_LATENCY_MS),
  at: timeSchema,
});

const callCount = z.number().int().nonnegative().max(MAX_TALLY_CALLS);
const latencySum = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_TALLY_CALLS * MAX_LATENCY_MS);

/**
 * Many calls to one provider in one reputation window. The checks keep a tally as plausible as the single outcomes
 * it stands for: at least one call, no latency above the single-call limit on average, the last success/failure
 * inside [from, to] and present exactly when there is one, and [from, to] inside one window (uptime counts windows).
 */
export const outcomeTallySchema = z
  .strictObject({
    providerId: idSchema,
    from: timeSchema,
    to: timeSchema,
    successes: callCount,
    failures: callCount,
    successLatencyMs: latencySum,
    failureLatencyMs: latencySum,
    lastSuccessAt: timeSchema.optional(),
    lastFailureAt: timeSchema.optional(),
  })
  .superRefine((tally, ctx) => {
    const problem = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (tally.from > tally.to) {
      problem('to', 'must not be before from');
    } else if (reputationWindowOf(tally.from) !== reputationWindowOf(tally.to)) {
      problem('to', `must be in the same ${REPUTATION_WINDOW_MS / 60_000}-minute window as from`);
    }
    if (tally.successes + tally.failures === 0) {
      problem('successes', 'a tally counts at least one call');
    }
    const sides = [
      ['success', tally.successes, tally.successLatencyMs, tally.lastSuccessAt],
      ['failure', tally.failures, tally.failureLatencyMs, tally.lastFailureAt],
    ] as const;
    for (const [side, count, latency, last] of sides) {
      const lastName = side === 'success' ? 'lastSuccessAt' : 'lastFailureAt';
      if (latency > count * MAX_LATENCY_MS) {
        problem(`${side}LatencyMs`, `must be at most ${MAX_LATENCY_MS} ms per call`);
      }
      if (count > 0 !== (last !== undefined)) {
        problem(lastName, count > 0 ? `required when there is a ${side}` : `only with a ${side}`);
      } else if (last !== undefined && (last < tally.from || last > tally.to)) {
        problem(lastName, 'must be within [from, to]');
      }
    }
  });

export type SingleOutcomeInput = z.infer<typeof singleOutcomeSchema>;
export type OutcomeTallyInput = z.infer<typeof outcomeTallySchema>;
export type OutcomeInput = SingleOutcomeInput | OutcomeTallyInput;

/**
 * An entry with `success` is a single outcome, any other a tally. Chosen by shape rather than by a zod union, so
 * that a broken entry is reported by its own schema's field errors (`outcomes.3.latencyMs`), not as "no union
 * member matched".
 */
const outcomesSchema = z
  .array(z.unknown())
  .min(1)
  .max(MAX_BATCH_OUTCOMES)
  .transform((items, ctx): OutcomeInput[] =>
    items.map((item, index) => {
      const single = typeof item === 'object' && item !== null && 'success' in item;
      const parsed = (single ? singleOutcomeSchema : outcomeTallySchema).safeParse(item);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [index, ...issue.path] });
        }
        return z.NEVER;
      }
      return parsed.data;
    }),
  );

export const outcomeBatchSchema = z.strictObject({
  batchId: idSchema,
  outcomes: outcomesSchema,
});

export type OutcomeBatchInput = z.infer<typeof outcomeBatchSchema>;

export const listFilterSchema = z.strictObject({
  keyId: idSchema.optional(),
  algorithm: algorithmSchema.optional(),
  region: regionSchema.optional(),
  includeSuspended: z.boolean().optional(),
});

export type ListFilter = z.infer<typeof listFilterSchema>;
