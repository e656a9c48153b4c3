import { z } from 'zod';
import { epochMs, named } from '../../http/schemas';

export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;
export const DAY_SECONDS = 86_400;
export const DEFAULT_TOKEN_TTL_SECONDS = 30 * DAY_SECONDS;
export const MAX_TOKEN_TTL_SECONDS = 365 * DAY_SECONDS;

export const tokenParams = z.strictObject({
  tokenId: z.string().regex(TOKEN_ID_PATTERN, 'must be a token id (16 hex digits)').describe('token id'),
});

export const tokenListQuery = z.strictObject({
  identity: z.string().min(1).max(128).optional().describe('only tokens of this identity (admins)'),
});

export const createTokenBody = named(
  z.strictObject({
    identity: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        "whom the token acts as (default: the caller); another identity needs the ledger role 'admin'",
      ),
    label: z.string().max(128, 'must be at most 128 characters').optional().describe('a note for listings'),
    expiresInSeconds: z
      .number()
      .int()
      .min(60, 'must be at least 60 seconds')
      .max(MAX_TOKEN_TTL_SECONDS, `must be at most ${MAX_TOKEN_TTL_SECONDS} seconds (365 days)`)
      .optional()
      .describe(`lifetime (default ${DEFAULT_TOKEN_TTL_SECONDS} s, 30 days)`),
  }),
  'CreateTokenInput',
);

export const tokenSchema = named(
  z.looseObject({
    id: z.string(),
    identity: z.string(),
    label: z.string(),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: epochMs,
    expiresAt: epochMs.nullable(),
    revokedAt: epochMs.nullable(),
    createdBy: z.string(),
  }),
  'ApiToken',
  'A bearer token of the API, without the token itself.',
);

export const createdTokenSchema = named(
  z.looseObject({
    ...tokenSchema.shape,
    token: z.string().describe('the bearer token: shown only in this answer, kept by the gateway as a hash'),
  }),
  'CreatedApiToken',
);

export const tokenListSchema = named(z.looseObject({ items: z.array(tokenSchema) }), 'ApiTokenList');
