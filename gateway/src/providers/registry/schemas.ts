import { providers } from '@keyledger/chaincode/protocol';
import { z } from 'zod';
import { epochMs, fingerprint, memberRefSchema, named, positiveInt, reason } from '../../http/schemas';
import { keyIdSchema } from '../wire';

/** REST shapes of the CMK registry: keys, their grants and replication. Inputs strict, outputs loose. */

const providerIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
  )
  .describe('provider id');

export const keyParams = z.strictObject({ keyId: keyIdSchema.describe('customer master key id') });
export const grantParams = z.strictObject({
  keyId: keyIdSchema.describe('customer master key id'),
  mspId: z.string().min(1).max(128).describe('grantee MSP id'),
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
    .describe("grantee's certificate fingerprint (hex SHA-256 of the DER)"),
});

export const createKeyBody = named(
  z.strictObject({
    keyId: keyIdSchema,
    description: z.string().max(1024, 'must be at most 1024 characters').optional(),
    origin: providerIdSchema
      .optional()
      .describe('the provider that generates the key (default: the first by id)'),
    replicas: z
      .array(providerIdSchema)
      .max(32, 'must have at most 32 entries')
      .optional()
      .describe('the providers that receive a wrapped copy (default: every other provider)'),
  }),
  'CreateKeyRequest',
);

export const grantBody = named(
  z.strictObject({
    operations: z
      .array(z.enum(providers.KEY_OPERATIONS))
      .min(1, 'must name at least one operation')
      .max(providers.KEY_OPERATIONS.length),
    name: z.string().min(1).max(128).optional().describe('a label for the grantee'),
  }),
  'KeyGrantRequest',
);

export const disableKeyBody = named(z.strictObject({ reason }), 'DisableKeyRequest');

const grantSchema = named(
  z.looseObject({
    mspId: z.string(),
    fingerprint,
    name: z.string().optional(),
    operations: z.array(z.enum(providers.KEY_OPERATIONS)),
    grantedAt: epochMs,
    grantedBy: memberRefSchema,
  }),
  'KeyGrant',
);

export const providerKeySchema = named(
  z.looseObject({
    keyId: z.string(),
    description: z.string(),
    algorithm: z.string(),
    status: z.enum(providers.KEY_STATUSES),
    createdBy: memberRefSchema,
    createdAt: epochMs,
    grants: z.array(grantSchema),
    version: positiveInt,
    updatedAt: epochMs,
    disabledAt: epochMs.optional(),
    disabledReason: z.string().optional(),
  }),
  'ProviderKey',
  'A customer master key as the ledger records it: status and grants (never key material).',
);

export const keyListSchema = named(
  z.looseObject({ keys: z.array(providerKeySchema), asOf: epochMs }),
  'ProviderKeyList',
);

export const keyChangeSchema = named(
  z.looseObject({ key: providerKeySchema, changed: z.boolean(), grant: grantSchema.optional() }),
  'ProviderKeyChange',
);

export const replicationSchema = named(
  z.looseObject({
    key: providerKeySchema,
    keyVersion: positiveInt,
    keyCheckValue: z.string().describe('3-byte key check value (hex), the same on every replica'),
    providers: z.array(
      z.looseObject({
        providerId: z.string(),
        origin: z.enum(['created', 'imported']),
        made: z.boolean().describe('whether this request made the copy'),
      }),
    ),
  }),
  'KeyReplication',
);
