import { z } from 'zod';
import {
  base64Schema,
  hexSchema,
  identityRefShape,
  idSchema,
  positiveInt,
  queueIdSchema,
  reasonSchema,
  timeSchema,
} from '../../lib';
import { KEY_POLICY_LIMITS, looksLikePrivateKey } from '../../protocol';
import { KEY_ALGORITHMS, ROTATION_REASONS } from '../../protocol/rotation';

/**
 * Input schemas of the rotation contract. Every object is strict: an unknown field is an error, not ignored.
 * Every queue id is a {@link queueIdSchema}; other ids (key ids, proposal ids) keep the general id rule.
 */

/** A wrapped AES-256 key is at least 40 bytes (RFC 3394/5649 key wrap adds 8); 32 bytes would be a bare key. */
export const MIN_WRAPPED_KEY_BYTES = 40;
export const MAX_WRAPPED_KEY_BYTES = 4096;
/** A P-256 public key is at least 33 bytes (compressed point); a bare 32-byte scalar would be a private key. */
export const MIN_PUBLIC_KEY_BYTES = 33;
export const MAX_PUBLIC_KEY_BYTES = 1024;
export const MAX_SIGNATURE_BYTES = 1024;
export const MAX_RECIPIENTS = 1000;

function decodedLength(value: string): number {
  return Buffer.from(value, 'base64').length;
}

/** base64 text whose decoded size lies in [min, max] and that does not look like a private key. */
function opaqueBlob(min: number, max: number, what: string): z.ZodType<string> {
  return base64Schema.superRefine((value, context) => {
    const length = decodedLength(value);
    if (length < min || length > max) {
      context.addIssue({
        code: 'custom',
        message: `${what} must decode to ${min}-${max} bytes, got ${length}`,
      });
    } else if (looksLikePrivateKey(Buffer.from(value, 'base64'))) {
      context.addIssue({
        code: 'custom',
        message: `${what} looks like a private key; never send key material in plaintext`,
      });
    }
  });
}

export const signatureSchema = base64Schema.refine(
  (value) => decodedLength(value) <= MAX_SIGNATURE_BYTES,
  `must decode to at most ${MAX_SIGNATURE_BYTES} bytes`,
);

function boundedInt(limits: { readonly min: number; readonly max: number }): z.ZodNumber {
  return z.number().int().min(limits.min).max(limits.max);
}

export const keyPolicyInputSchema = z
  .strictObject({
    queueId: queueIdSchema,
    rotationIntervalMs: boundedInt(KEY_POLICY_LIMITS.rotationIntervalMs),
    maxMessages: boundedInt(KEY_POLICY_LIMITS.maxMessages),
    algorithm: z.enum(KEY_ALGORITHMS),
    proposalTtlMs: boundedInt(KEY_POLICY_LIMITS.proposalTtlMs).optional(),
    retentionVersions: boundedInt(KEY_POLICY_LIMITS.retentionVersions).optional(),
    minRotationIntervalMs: boundedInt(KEY_POLICY_LIMITS.minRotationIntervalMs).optional(),
    retentionMs: boundedInt(KEY_POLICY_LIMITS.retentionMs).optional(),
  })
  .refine(
    (input) =>
      input.minRotationIntervalMs === undefined || input.minRotationIntervalMs <= input.rotationIntervalMs,
    { message: 'must not exceed rotationIntervalMs', path: ['minRotationIntervalMs'] },
  );
export type KeyPolicyInput = z.infer<typeof keyPolicyInputSchema>;

export const wrappedKeyInputSchema = z.strictObject({
  ...identityRefShape,
  wrappedKey: opaqueBlob(MIN_WRAPPED_KEY_BYTES, MAX_WRAPPED_KEY_BYTES, 'wrapped key'),
  ephemeralPublicKey: opaqueBlob(
    MIN_PUBLIC_KEY_BYTES,
    MAX_PUBLIC_KEY_BYTES,
    'ephemeral public key',
  ).optional(),
});

export const proposalInputSchema = z.strictObject({
  queueId: queueIdSchema,
  version: positiveInt,
  keyId: idSchema,
  keyCheckValue: hexSchema.min(6, 'must be 3-32 bytes of hex').max(64, 'must be 3-32 bytes of hex'),
  wrappedKeys: z.array(wrappedKeyInputSchema).min(1).max(MAX_RECIPIENTS),
  notBefore: timeSchema,
  reason: z.enum(ROTATION_REASONS),
  signature: signatureSchema.optional(),
});
export type ProposalInput = z.infer<typeof proposalInputSchema>;

export const compromiseInputSchema = z.strictObject({
  queueId: queueIdSchema,
  version: positiveInt,
  reason: reasonSchema,
});
export type CompromiseInput = z.infer<typeof compromiseInputSchema>;

export const volumeInputSchema = z
  .strictObject({
    queueId: queueIdSchema,
    version: positiveInt,
    count: positiveInt,
    windowStart: timeSchema,
    windowEnd: timeSchema,
  })
  .refine((input) => input.windowEnd >= input.windowStart, {
    message: 'must not be before windowStart',
    path: ['windowEnd'],
  });
export type VolumeInput = z.infer<typeof volumeInputSchema>;
