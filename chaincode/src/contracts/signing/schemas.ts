import { z } from 'zod';
import { idSchema, timeSchema, uniqueArray } from '../../lib';
import {
  MAX_GRACE_MS,
  MIN_GRACE_MS,
  REVOCATION_REASONS,
  SIGNING_ALGORITHMS,
  SIGNING_KEY_STATUSES,
} from '../../protocol/signing';

/**
 * Key ids: the idSchema alphabet, but any of its characters may come first, so that an RFC 7638 thumbprint
 * (base64url, which may start with '-' or '_') can serve as kid.
 */
export const kidSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -');

export const algorithmSchema = z.enum(SIGNING_ALGORITHMS);
export const statusSchema = z.enum(SIGNING_KEY_STATUSES);
export const revocationReasonSchema = z.enum(REVOCATION_REASONS);
export const graceSchema = z.number().int().min(MIN_GRACE_MS).max(MAX_GRACE_MS);

export const registerSigningKeySchema = z
  .strictObject({
    kid: kidSchema,
    publicJwk: z.record(z.string(), z.unknown()),
    issuerCaIds: uniqueArray(idSchema, 1, 16),
    notBefore: timeSchema,
    algorithm: algorithmSchema,
    /** false: register as 'published' (verify-only); default true: active at once, retiring the scope's key. */
    activate: z.boolean().optional(),
    serviceId: idSchema.optional(),
    graceMs: graceSchema.optional(),
    /** With activation only: the key that must be the scope's active one now (optimistic concurrency). */
    expectedActiveKid: kidSchema.optional(),
  })
  .refine((input) => input.activate !== false || input.expectedActiveKid === undefined, {
    message: 'only a key that is activated at registration can name an expectedActiveKid',
    path: ['expectedActiveKid'],
  });

export type RegisterSigningKeyInput = z.infer<typeof registerSigningKeySchema>;
