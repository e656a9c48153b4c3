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
import { SOFTWARE_ATTESTATION_FORMAT } from '../../protocol/threshold';

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
  /** Required from an admin; a module-role caller registering its own module may omit it (it is the caller). */
  owner: identityRefSchema.optional(),
  /** The module server's TLS certificate (one X.509 PEM), so clients can pin it. */
  tlsCertificatePem: z.string().min(1).max(16384).optional(),
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

const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters');
const tokenFieldSchema = z.string().min(1).max(64);

/**
 * What a module signs: the canonical JSON (sorted keys, no spaces) of exactly the fields given. The original form
 * has three fields; with `format` (a software module server) the nonce is ledger-issued and the code, config and
 * token fields are required — checked in the contract, so the message names the missing field.
 */
export const attestationStatementSchema = z.strictObject({
  nonce: z.string().regex(/^[A-Za-z0-9+/=_.~-]{8,128}$/, 'must be 8-128 characters of base64/base64url/hex'),
  firmwareDigest: digestSchema,
  issuedAt: timeSchema,
  format: z.literal(SOFTWARE_ATTESTATION_FORMAT).optional(),
  codeDigest: sha256HexSchema.optional(),
  configDigest: sha256HexSchema.optional(),
  tokenSerial: tokenFieldSchema.optional(),
  tokenLabel: tokenFieldSchema.optional(),
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
    /** One minute to seven days. */
    attestationMaxAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .optional(),
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
  verifyingShares: z
    .record(z.string().regex(/^[1-9][0-9]{0,2}$/, 'keys must be decimal share indices'), hexSchema)
    .optional(),
  refreshOf: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  dealer: idSchema.optional(),
});

export const shareAckSchema = z.strictObject({
  keyId: idSchema,
  epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  moduleId: idSchema,
});

export const openSessionSchema = z
  .strictObject({
    sessionId: idSchema,
    keyId: idSchema,
    kind: z.enum(['reconstruct', 'sign']),
    messageDigest: digestSchema.optional(),
    purpose: reasonSchema,
    /** How long responses are accepted; default (and maximum) 600 s. */
    ttlSeconds: z.number().int().min(1).max(600).optional(),
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
  /** Responses the coordinator relays, each signed by its module over `sessionResponseMessage`. */
  responses: z
    .array(
      z.strictObject({
        moduleId: idSchema,
        responseDigest: sha256HexSchema,
        signature: base64Schema,
      }),
    )
    .max(255)
    .refine((responses) => new Set(responses.map((entry) => entry.moduleId)).size === responses.length, {
      message: 'must not name a module twice',
    })
    .optional(),
  /** Eligible modules that did not answer in time; each gets a `late` anomaly. */
  late: uniqueArray(idSchema, 0, 255, 'must not name a module twice').optional(),
});
