import { z } from 'zod';
import { base64Schema, distinct, identityRefSchema, idSchema, nonNegativeInt, timeSchema } from '../../lib';
import { isP256Point } from '../../protocol';
import { SHARD_KEY_ALGORITHMS } from '../../protocol/shards';

/** A single shard is allowed: a generator may keep the whole epoch key in one encrypted piece. */
export const MIN_SHARDS = 1;
export const MAX_SHARDS = 64;

export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest: 64 lower-case hex characters');

const shardEntrySchema = z.strictObject({
  shardId: idSchema,
  index: z
    .number()
    .int()
    .nonnegative()
    .max(MAX_SHARDS - 1),
  digest: sha256HexSchema,
});

/** The rules both publish paths share: exactly n shards, indices 0..n-1 each once, distinct ids. */
function checkShardList(
  value: { n: number; shards: readonly { shardId: string; index: number }[] },
  issues: z.RefinementCtx,
): void {
  if (value.shards.length !== value.n) {
    issues.addIssue({
      code: 'custom',
      path: ['shards'],
      message: `must list exactly n = ${value.n} shards, got ${value.shards.length}`,
    });
  }
  const outOfRange = value.shards.findIndex((shard) => shard.index >= value.n);
  if (outOfRange >= 0) {
    issues.addIssue({
      code: 'custom',
      path: ['shards', outOfRange, 'index'],
      message: `must be below n = ${value.n}`,
    });
  }
  if (!distinct(value.shards.map((shard) => shard.index))) {
    issues.addIssue({
      code: 'custom',
      path: ['shards'],
      message: 'indices must be distinct (0..n-1, each once)',
    });
  }
  if (!distinct(value.shards.map((shard) => shard.shardId))) {
    issues.addIssue({ code: 'custom', path: ['shards'], message: 'shard ids must be distinct' });
  }
}

export const publishShardMapSchema = z
  .strictObject({
    deviceId: idSchema,
    epoch: nonNegativeInt,
    n: z.number().int().min(MIN_SHARDS).max(MAX_SHARDS),
    shards: z.array(shardEntrySchema).min(MIN_SHARDS).max(MAX_SHARDS),
    validFrom: timeSchema,
    validUntil: timeSchema,
    deviceOwner: identityRefSchema.optional(),
  })
  .superRefine((value, issues) => {
    checkShardList(value, issues);
    if (!distinct(value.shards.map((shard) => shard.digest))) {
      issues.addIssue({
        code: 'custom',
        path: ['shards'],
        message:
          'digests must be distinct (equal ciphertexts under different shard keys point to a generator fault)',
      });
    }
    if (value.validFrom >= value.validUntil) {
      issues.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
    }
  });

export type PublishShardMapInput = z.infer<typeof publishShardMapSchema>;

/** Bytes of one encrypted shard: AES-GCM output of a key segment, so never empty and never large. */
export const MAX_SHARD_BYTES = 4096;

/**
 * Decodes base64 or base64url (padding optional) only when the text is the canonical encoding of its bytes.
 * Node's decoder silently drops a dangling character or non-zero trailing bits, so two texts could otherwise
 * store the same bytes — or a text could decode to nothing.
 */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  const normalised = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  return bytes.length > 0 && bytes.toString('base64').replace(/=+$/, '') === normalised ? bytes : undefined;
}

/** base64url without padding: how public keys and wrapped keys travel. */
const base64UrlSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding')
  .refine((text) => decodeBase64(text) !== undefined, 'must be canonical base64url');

function decodedLength(text: string): number {
  return decodeBase64(text)?.length ?? 0;
}

const p256PointSchema = base64UrlSchema.refine(
  (text) => isP256Point(decodeBase64(text) ?? Buffer.alloc(0)),
  'must be a 65-byte uncompressed P-256 point (04‖X‖Y) on the curve',
);

const enrollmentSchema = z.strictObject({
  devicePublicKey: p256PointSchema,
  ephemeralPublicKey: p256PointSchema,
  // RFC 5649 output is a multiple of 8 bytes: 40 for a 32-byte key; 24..72 leaves room for 16..64-byte keys.
  wrappedKey: base64UrlSchema.refine((text) => {
    const length = decodedLength(text);
    return length >= 24 && length <= 72 && length % 8 === 0;
  }, 'must decode to 24..72 bytes, a multiple of 8 (RFC 5649 key wrap output)'),
  keyCheckValue: z.string().regex(/^[0-9a-f]{6}$/, 'must be 6 lower-case hex characters'),
});

export type EnrollmentInput = z.infer<typeof enrollmentSchema>;

const epochShardSchema = z.strictObject({
  shardId: idSchema,
  index: z
    .number()
    .int()
    .nonnegative()
    .max(MAX_SHARDS - 1),
  ciphertext: base64Schema.refine((text) => decodeBase64(text) !== undefined, 'must be canonical base64'),
});

export const publishEpochSchema = z
  .strictObject({
    deviceId: idSchema,
    epoch: nonNegativeInt,
    n: z.number().int().min(MIN_SHARDS).max(MAX_SHARDS),
    validFrom: timeSchema,
    validUntil: timeSchema,
    algorithm: z.enum(SHARD_KEY_ALGORITHMS),
    publicKey: base64UrlSchema,
    shards: z.array(epochShardSchema).min(MIN_SHARDS).max(MAX_SHARDS),
    deviceOwner: identityRefSchema.optional(),
    enrollment: enrollmentSchema.optional(),
  })
  .superRefine((value, issues) => {
    const key = decodeBase64(value.publicKey);
    if (key && value.algorithm === 'Ed25519' && key.length !== 32) {
      issues.addIssue({
        code: 'custom',
        path: ['publicKey'],
        message: `an Ed25519 public key is 32 bytes, got ${key.length}`,
      });
    }
    if (key && value.algorithm === 'ES256' && !isP256Point(key)) {
      issues.addIssue({
        code: 'custom',
        path: ['publicKey'],
        message: 'an ES256 public key is a 65-byte uncompressed P-256 point (04‖X‖Y) on the curve',
      });
    }
    checkShardList(value, issues);
    const decoded = value.shards.map((shard) => decodeBase64(shard.ciphertext));
    const tooLong = decoded.findIndex((bytes) => bytes !== undefined && bytes.length > MAX_SHARD_BYTES);
    if (tooLong >= 0) {
      issues.addIssue({
        code: 'custom',
        path: ['shards', tooLong, 'ciphertext'],
        message: `must decode to at most ${MAX_SHARD_BYTES} bytes`,
      });
    }
    if (!distinct(decoded.map((bytes) => bytes?.toString('base64')))) {
      issues.addIssue({
        code: 'custom',
        path: ['shards'],
        message:
          'ciphertexts must be distinct (equal ciphertexts under different shard keys point to a generator fault)',
      });
    }
    if (value.validFrom >= value.validUntil) {
      issues.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
    }
  });

export type PublishEpochInput = z.infer<typeof publishEpochSchema>;

export const putShardSchema = z.strictObject({
  deviceId: idSchema,
  epoch: nonNegativeInt,
  shardId: idSchema,
  ciphertext: base64Schema,
});

export type PutShardInput = z.infer<typeof putShardSchema>;
