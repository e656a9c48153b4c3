import { z } from 'zod';
import { idSchema, timeSchema, uniqueArray } from '../../lib';
import { REVOCATION_REASONS, SIGNING_ALGORITHMS, SIGNING_KEY_STATUSES } from '../../protocol/signing';

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

export const registerSigningKeySchema = z.strictObject({
  kid: kidSchema,
  publicJwk: z.record(z.string(), z.unknown()),
  issuerCaIds: uniqueArray(idSchema, 1, 16),
  notBefore: timeSchema,
  algorithm: algorithmSchema,
});

export type RegisterSigningKeyInput = z.infer<typeof registerSigningKeySchema>;
