import { signing } from '@keyledger/chaincode/protocol';
import { z } from 'zod';
import { epochMs, named, positiveInt, queryInt } from '../http/schemas';
import { MAX_BATCH_SIZE } from './queue';
import { RESERVED_CLAIMS } from './service';

/** REST shapes of the signing service: requests and their status, keys, verification. Inputs strict. */

/** The claims of one request as canonical JSON text: at most this many bytes. */
export const MAX_CLAIMS_BYTES = 8 * 1024;
export const MAX_CLAIMS = 64;
export const MAX_LIFETIME_SECONDS = 86_400;
export const DEFAULT_LIFETIME_SECONDS = 3_600;
/** A status read may wait at most this long for the request to finish. */
export const MAX_WAIT_MS = 10_000;
/** A compact JWS of ours is a few KiB (x5c); anything far larger is not one. */
const MAX_TOKEN_LENGTH = 32 * 1024;

const claimName = /^[\x21-\x7e]{1,256}$/;

export const claimsSchema = z
  .record(z.string(), z.json())
  .superRefine((claims, ctx) => {
    const names = Object.keys(claims);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must name at least one claim' });
    }
    if (names.length > MAX_CLAIMS) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_CLAIMS} claims` });
    }
    for (const name of names) {
      if (RESERVED_CLAIMS.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            'is set by the service (reserved: iss, iat, exp, nbf, jti, aud — use audience — keyledger)',
        });
      } else if (!claimName.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'a claim name must be 1-256 printable characters',
        });
      }
    }
    if (Buffer.byteLength(JSON.stringify(claims), 'utf8') > MAX_CLAIMS_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_CLAIMS_BYTES} bytes as JSON` });
    }
  })
  .describe(
    'the claims to sign: a JSON object; iss, iat, exp, jti, aud and keyledger are set by the service',
  );

const audienceItem = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');
const audience = z
  .union([
    audienceItem,
    z.array(audienceItem).min(1, 'must not be empty').max(16, 'must have at most 16 entries'),
  ])
  .optional()
  .describe('the token’s aud: one value or a list');
const lifetimeSeconds = z
  .number()
  .int()
  .min(1)
  .max(MAX_LIFETIME_SECONDS)
  .default(DEFAULT_LIFETIME_SECONDS)
  .describe(`seconds from iat to exp (default ${DEFAULT_LIFETIME_SECONDS}, at most ${MAX_LIFETIME_SECONDS})`);

const requestFields = { claims: claimsSchema, audience, lifetimeSeconds };

export const signingRequestBody = named(z.strictObject(requestFields), 'SigningRequest');
export const signingBatchBody = named(
  z.strictObject({
    requests: z
      .array(z.strictObject(requestFields))
      .min(1, 'must hold at least one request')
      .max(MAX_BATCH_SIZE, `must hold at most ${MAX_BATCH_SIZE} requests`),
  }),
  'SigningBatchRequest',
);

export const requestParams = z.strictObject({
  requestId: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
      'must be a request id (1-128 characters of A-Z a-z 0-9 . _ : -)',
    )
    .describe('the request id the submission answered'),
});
export const statusQuery = z.strictObject({
  waitMs: queryInt
    .pipe(z.number().max(MAX_WAIT_MS, `must be at most ${MAX_WAIT_MS}`))
    .optional()
    .describe(`wait up to this long for the request to finish (at most ${MAX_WAIT_MS} ms)`),
});

export const operationSchema = named(
  z.looseObject({
    id: z.string(),
    state: z.enum(['queued', 'signing', 'done', 'failed']),
    done: z.boolean().describe('true once the state is done or failed: it never changes again'),
    error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
    result: z.looseObject({ token: z.string().describe('the compact JWS'), kid: z.string() }).optional(),
    createdAt: epochMs,
    updatedAt: epochMs,
  }),
  'SigningOperation',
  'A signing request as a long-running operation: queued, then signing, then done with a token or failed.',
);
export const batchOperationsSchema = named(
  z.looseObject({ requests: z.array(operationSchema), replayed: z.boolean() }),
  'SigningBatchOperations',
);

export const kidParams = z.strictObject({
  kid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be a key id (16-128 characters of A-Z a-z 0-9 _ -)')
    .describe('the signing key id (its RFC 7638 thumbprint)'),
});
export const revokeBody = named(
  z.strictObject({
    reason: z.enum(signing.REVOCATION_REASONS).describe('an RFC 5280 CRLReason name'),
    compromisedAt: epochMs
      .optional()
      .describe('when the key was compromised: tokens signed before stay valid, later ones are rejected'),
  }),
  'RevokeSigningKeyRequest',
);

export const signingKeySchema = named(
  z.looseObject({
    kid: z.string(),
    status: z.enum(signing.SIGNING_KEY_STATUSES),
    algorithm: z.string(),
    serviceId: z.string(),
    issuerCaIds: z.array(z.string()),
    notBefore: epochMs,
    version: positiveInt,
  }),
  'SigningKey',
);
export const revocationSchema = named(
  z.looseObject({
    revoked: signingKeySchema,
    rotation: z
      .looseObject({ cause: z.string(), kid: z.string(), previousKid: z.string().optional() })
      .optional()
      .describe('the rotation the service made because its key was revoked'),
  }),
  'SigningKeyRevocation',
);
export const signingKeysSchema = named(
  z.looseObject({
    keys: z.array(signingKeySchema),
    activeKid: z.string().optional().describe('the key this gateway’s service signs with now'),
  }),
  'SigningKeys',
);
export const jwksSchema = named(
  z.looseObject({ keys: z.array(z.looseObject({ kid: z.string(), kty: z.string() })) }),
  'Jwks',
  'RFC 7517 JWK Set: active, published (verify-only) and retired-in-grace keys; revoked keys never',
);

export const verifyBody = named(
  z.strictObject({
    token: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`),
    revocation: z
      .enum(['hard-fail', 'soft-fail'])
      .default('hard-fail')
      .describe(
        'when no CRL can be fetched: hard-fail (default) answers invalid, soft-fail trusts the path alone',
      ),
  }),
  'VerifyTokenRequest',
);
export const verdictSchema = named(
  z.looseObject({
    valid: z.boolean(),
    reason: z
      .string()
      .optional()
      .describe('why not: unknown-kid, bad-signature, expired, signed-after-compromise, …'),
    detail: z.string().optional(),
    kid: z.string().optional(),
    keyStatus: z.string().optional(),
    validatedBy: z.string().optional().describe('the CA that validated the key’s certificate'),
    revocation: z.looseObject({ checked: z.enum(['crl', 'none']), policy: z.string() }).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
  }),
  'TokenVerdict',
);
