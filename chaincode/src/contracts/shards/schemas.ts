import { z } from 'zod';
import { base64Schema, distinct, identityRefSchema, idSchema, nonNegativeInt, timeSchema } from '../../lib';

export const MIN_SHARDS = 2;
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

export const putShardSchema = z.strictObject({
  deviceId: idSchema,
  epoch: nonNegativeInt,
  shardId: idSchema,
  ciphertext: base64Schema,
});

export type PutShardInput = z.infer<typeof putShardSchema>;
