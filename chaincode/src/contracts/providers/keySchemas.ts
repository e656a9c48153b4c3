import { z } from 'zod';
import { idSchema, identityRefShape, queueIdSchema, reasonSchema, uniqueArray } from '../../lib';
import { DEFAULT_KEY_ALGORITHM, KEY_OPERATIONS, type KeyOperation } from '../../protocol/providers';
import { algorithmSchema } from './schemas';

export const MAX_DESCRIPTION_CHARS = 1024;
export const MAX_GRANT_NAME_CHARS = 128;

export const keyOperationSchema: z.ZodType<KeyOperation> = z.enum(KEY_OPERATIONS, {
  error: `must be one of ${KEY_OPERATIONS.join(', ')}`,
});

export const createKeySchema = z.strictObject({
  // A CMK id becomes an HSM token label (`cmk/<keyId>/v<n>`), a URL segment and a file name on providers: the
  // path- and label-safe rule of queue ids. (Other functions read ids by the general rule: an id that cannot be
  // created is simply not found.)
  keyId: queueIdSchema,
  description: z.string().max(MAX_DESCRIPTION_CHARS).default(''),
  algorithm: algorithmSchema.default(DEFAULT_KEY_ALGORITHM),
});

export const disableKeySchema = z.strictObject({
  keyId: idSchema,
  reason: reasonSchema,
});

export const grantKeyUseSchema = z.strictObject({
  keyId: idSchema,
  ...identityRefShape,
  operations: uniqueArray(keyOperationSchema, 1, KEY_OPERATIONS.length) as z.ZodType<KeyOperation[]>,
  name: z.string().min(1).max(MAX_GRANT_NAME_CHARS).optional(),
});

export type GrantKeyUseInput = z.infer<typeof grantKeyUseSchema>;

export const revokeKeyGrantSchema = z.strictObject({
  keyId: idSchema,
  ...identityRefShape,
});
