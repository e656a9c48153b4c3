import { z } from 'zod';
import {
  base64Schema,
  hexSchema,
  identityRefSchema,
  idSchema,
  uniqueArray,
  reasonSchema,
  timeSchema,
} from '../../lib';

/** Trust scores and trust thresholds live on the same 0..1000 scale. */
export const trustLevelSchema = z.number().int().min(0).max(1000);

export const shareIndexSchema = z.number().int().min(1).max(255);

/** SHA-256 (32 bytes) up to SHA-512 (64 bytes) digests, lower-case hex. */
export const digestSchema = hexSchema.refine((hex) => hex.length >= 64 && hex.length <= 128, {
  message: 'must be a 32- to 64-byte digest in hex',
});

export const registerModuleSchema = z.strictObject({
  moduleId: idSchema,
  publicKeyPem: z.string().min(1).max(4096),
  shareIndex: shareIndexSchema,
  owner: identityRefSchema,
  endpoint: z
    .string()
    .max(512)
    .regex(
      /^(?:https?|grpcs?):\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[\x21-\x7e]*)?$/,
      'must be an http(s) or grpc(s) URL',
    )
    .optional(),
});
export type RegisterModuleInput = z.infer<typeof registerModuleSchema>;

/** What a module signs: the canonical JSON (sorted keys, no spaces) of exactly these three fields. */
export const attestationStatementSchema = z.strictObject({
  nonce: z.string().regex(/^[A-Za-z0-9+/=_.~-]{8,128}$/, 'must be 8-128 characters of base64/base64url/hex'),
  firmwareDigest: digestSchema,
  issuedAt: timeSchema,
});
export type AttestationStatement = z.infer<typeof attestationStatementSchema>;

export const attestationSchema = z.strictObject({
  moduleId: idSchema,
  statement: attestationStatementSchema,
  signature: base64Schema,
});

export const tamperSchema = z.strictObject({
  moduleId: idSchema,
  evidenceDigest: digestSchema,
  description: reasonSchema,
});

export const anomalySchema = z.strictObject({
  moduleId: idSchema,
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be 1-64 characters of a-z 0-9 _ . - starting with a letter'),
  severity: z.number().int().min(1).max(5),
  evidenceDigest: digestSchema.optional(),
});

export const participationSchema = z.strictObject({
  moduleId: idSchema,
  sessionId: idSchema,
  ok: z.boolean(),
});

export const thresholdPolicySchema = z
  .strictObject({
    keyId: idSchema,
    t: z.number().int().min(2).max(255),
    n: z.number().int().min(2).max(255),
    minTrust: trustLevelSchema,
  })
  .refine((policy) => policy.t <= policy.n, { message: 't must not exceed n', path: ['t'] });

export const curveSchema = z.enum(['ed25519', 'secp256k1', 'p256']);

export const commitmentsSchema = z.strictObject({
  keyId: idSchema,
  epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  curve: curveSchema,
  commitments: z.array(hexSchema).min(2).max(255),
  shareIndices: z
    .array(shareIndexSchema)
    .min(2)
    .max(255)
    .refine((indices) => new Set(indices).size === indices.length, { message: 'must not repeat an index' })
    .optional(),
  dealer: idSchema.optional(),
});

export const openSessionSchema = z
  .strictObject({
    sessionId: idSchema,
    keyId: idSchema,
    kind: z.enum(['reconstruct', 'sign']),
    messageDigest: digestSchema.optional(),
    purpose: reasonSchema,
  })
  .refine((session) => session.kind !== 'sign' || session.messageDigest !== undefined, {
    message: 'is required for a signing session',
    path: ['messageDigest'],
  });

export const responseSchema = z.strictObject({
  sessionId: idSchema,
  moduleId: idSchema,
  responseDigest: digestSchema,
});

export const closeSessionSchema = z.strictObject({
  sessionId: idSchema,
  outcome: z.enum(['success', 'failure']),
  cheaters: uniqueArray(idSchema, 0, 255, 'must not name a module twice'),
  reason: reasonSchema,
});
