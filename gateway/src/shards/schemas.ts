import { isP256Point, shards } from '@keyledger/chaincode/protocol';
import { z } from 'zod';
import {
  base64,
  decodedBase64Length,
  epochMs,
  idSchema,
  ID_PATTERN,
  named,
  nonNegativeInt,
  positiveInt,
  queryInt,
} from '../http/schemas';
import { MAX_SEGMENTS } from './derivation';
import { deviceSignatureSchema } from './device/signature';

/** REST shapes of the device-key-shards capability. Inputs strict, outputs loose (the ledger may add fields). */

export const MAX_PROVISION_BATCH = 1_000;
/** A message to verify is at most this many bytes (decoded). */
export const MAX_VERIFY_MESSAGE_BYTES = 64 * 1024;
export const MAX_RETENTION_MS = 365 * 86_400_000;
export const MAX_REVOKE_REASON = 256;
export const MAX_DEVICE_PAGE = 1_000;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const devicePublicKeySchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!BASE64URL.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be base64url (A-Z a-z 0-9 - _, no padding)' });
      return;
    }
    const raw = Buffer.from(value, 'base64url');
    if (raw.length !== 65 || raw[0] !== 0x04) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an uncompressed P-256 point: 65 bytes starting 0x04 (got ${raw.length} bytes)`,
      });
      return;
    }
    if (!isP256Point(raw)) {
      ctx.addIssue({ code: 'custom', message: 'is not a point on the P-256 curve' });
    }
  })
  .describe('base64url of the device’s 65-byte uncompressed P-256 key-wrapping public point (`device init`)');

const nSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_SEGMENTS)
  .describe(`shards per epoch (1-${MAX_SEGMENTS}; default the generator’s policy)`);
const algorithmSchema = z
  .enum(shards.SHARD_KEY_ALGORITHMS)
  .describe('the epoch key’s algorithm (default the policy’s)');

export const deviceOwnerSchema = z
  .strictObject({
    mspId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an MSP id'),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'),
  })
  .describe('the device’s ledger identity: only it may read its maps and report uses');

const provisionFields = {
  deviceId: idSchema.describe('the device id on the ledger'),
  devicePublicKey: devicePublicKeySchema,
  owner: deviceOwnerSchema.optional(),
  n: nSchema.optional(),
  algorithm: algorithmSchema.optional(),
};

export const provisionBody = named(z.strictObject(provisionFields), 'ProvisionDeviceRequest');

export const provisionBatchBody = named(
  z.strictObject({
    devices: z
      .array(z.strictObject(provisionFields))
      .min(1, 'must hold at least one device')
      .max(MAX_PROVISION_BATCH, `must hold at most ${MAX_PROVISION_BATCH} devices`)
      .superRefine((devices, ctx) => {
        const first = new Map<string, number>();
        devices.forEach((device, index) => {
          const earlier = first.get(device.deviceId);
          if (earlier === undefined) {
            first.set(device.deviceId, index);
          } else {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'deviceId'],
              message: `repeats the deviceId of devices[${earlier}]`,
            });
          }
        });
      }),
  }),
  'ProvisionDeviceBatchRequest',
);

export const deviceParams = z.strictObject({ deviceId: idSchema.describe('the device id') });

export const devicesQuery = z.strictObject({
  limit: queryInt
    .pipe(z.number().min(1).max(MAX_DEVICE_PAGE))
    .optional()
    .describe(`devices per page (default 100, at most ${MAX_DEVICE_PAGE})`),
  offset: queryInt.optional().describe('devices to skip (default 0)'),
});

export const rotateBody = named(
  z.strictObject({ n: nSchema.optional(), algorithm: algorithmSchema.optional() }),
  'RotateDeviceRequest',
);

export const revokeDeviceBody = named(
  z.strictObject({
    reason: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_REVOKE_REASON, `must be at most ${MAX_REVOKE_REASON} characters`)
      .describe('why: recorded on the ledger'),
  }),
  'RevokeDeviceRequest',
);

export const collectBody = named(
  z.strictObject({
    retentionMs: z
      .number()
      .int()
      .min(0)
      .max(MAX_RETENTION_MS)
      .optional()
      .describe('collect epochs invalidated at least this long ago (default the generator’s policy)'),
  }),
  'CollectShardsRequest',
);

export const verifyDeviceBody = named(
  z
    .strictObject({
      message: z.string().optional().describe('the signed message as UTF-8 text'),
      messageBase64: base64.optional().describe('the signed message as base64 bytes'),
      signature: deviceSignatureSchema.describe('the DeviceSignature `device sign` printed'),
    })
    .superRefine((body, ctx) => {
      // deviceSignatureSchema admits any id and epoch 0; the ledger would refuse them without naming the field.
      if (!ID_PATTERN.test(body.signature.deviceId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['signature', 'deviceId'],
          message:
            'must be a ledger id (1-128 characters of A-Z a-z 0-9 . _ : @ / - starting with a letter or digit)',
        });
      }
      if (body.signature.epoch < 1) {
        ctx.addIssue({ code: 'custom', path: ['signature', 'epoch'], message: 'must be at least 1' });
      }
      if ((body.message === undefined) === (body.messageBase64 === undefined)) {
        // Neither: the body as a whole is wrong (a missing field's path would read only "is required").
        ctx.addIssue(
          body.message === undefined
            ? { code: 'custom', message: 'must have message (UTF-8) or messageBase64' }
            : {
                code: 'custom',
                path: ['messageBase64'],
                message: 'must not be given with message: give one of them',
              },
        );
        return;
      }
      const bytes =
        body.message !== undefined
          ? Buffer.byteLength(body.message, 'utf8')
          : decodedBase64Length(body.messageBase64 ?? '');
      if (bytes > MAX_VERIFY_MESSAGE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: [body.message !== undefined ? 'message' : 'messageBase64'],
          message: `must be at most ${MAX_VERIFY_MESSAGE_BYTES} bytes`,
        });
      }
    }),
  'VerifyDeviceSignatureRequest',
);

/** The message bytes of a verify body that passed {@link verifyDeviceBody}. */
export function verifyMessageOf(body: {
  message?: string | undefined;
  messageBase64?: string | undefined;
}): Buffer {
  return body.message !== undefined
    ? Buffer.from(body.message, 'utf8')
    : Buffer.from(body.messageBase64 ?? '', 'base64');
}

// ---------------------------------------------------------------- outputs

const shardMapSchema = named(
  z.looseObject({
    deviceId: z.string(),
    epoch: positiveInt,
    n: positiveInt,
    status: z.string().describe('active, expired or invalidated'),
    validFrom: epochMs,
    validUntil: epochMs,
    algorithm: z.string().optional(),
    publicKey: z.string().optional().describe('the epoch’s public key, base64url'),
    mapDigest: z.string(),
    headerDigest: z.string(),
    replay: z.boolean().optional(),
  }),
  'ShardMap',
  'A published epoch’s map: shard digests and the public key, nothing secret.',
);

export const provisionResultSchema = named(
  z.looseObject({ deviceId: z.string(), epoch: positiveInt, replay: z.boolean(), map: shardMapSchema }),
  'ProvisionedDevice',
);

export const provisionBatchResultSchema = named(
  z.looseObject({
    provisioned: nonNegativeInt,
    replayed: nonNegativeInt,
    failed: nonNegativeInt,
    results: z.array(
      z.looseObject({
        deviceId: z.string(),
        epoch: positiveInt.optional(),
        replay: z.boolean().optional(),
        error: z.looseObject({ type: z.string(), detail: z.string() }).optional(),
      }),
    ),
  }),
  'ProvisionedDeviceBatch',
);

const scheduleSchema = z.looseObject({ rotateAt: epochMs.optional(), collectAt: epochMs.optional() });

export const deviceListSchema = named(
  z.looseObject({
    devices: z.array(
      z.looseObject({
        deviceId: z.string(),
        activeEpoch: positiveInt.optional(),
        latestEpoch: nonNegativeInt,
        validUntil: epochMs.optional(),
        rotateAt: epochMs.optional(),
        collectAt: epochMs.optional(),
        revoked: z.boolean(),
      }),
    ),
    total: nonNegativeInt,
  }),
  'ShardDevices',
);

export const deviceViewSchema = named(
  z.looseObject({
    head: z.looseObject({ deviceId: z.string(), latestEpoch: nonNegativeInt }),
    epochs: z.array(z.looseObject({ epoch: positiveInt, status: z.string() })),
    enrollment: z.looseObject({ devicePublicKey: z.string() }).optional(),
    schedule: scheduleSchema.nullable(),
    activeUse: z.looseObject({ uses: nonNegativeInt }).nullable(),
  }),
  'ShardDevice',
  'GetDevice as the caller, with this gateway’s schedule for it and the active epoch’s reported use.',
);

export const revocationResultSchema = named(
  z.looseObject({ head: z.looseObject({ deviceId: z.string() }), keyDestroyed: z.boolean() }),
  'DeviceRevocation',
);

export const collectionResultSchema = named(
  z.looseObject({
    deviceId: z.string(),
    deleted: nonNegativeInt,
    epochs: z.array(positiveInt),
    invalidatedBefore: epochMs,
  }),
  'ShardCollection',
);

export const deviceVerdictSchema = named(
  z.looseObject({
    valid: z.boolean(),
    signatureValid: z.boolean(),
    deviceId: z.string(),
    epoch: nonNegativeInt,
    problem: z.string().optional(),
    epochStatus: z.string().optional(),
    validAtSigning: z.boolean(),
    reportedUses: nonNegativeInt,
    lastReportedUseIsThisMessage: z.boolean(),
  }),
  'DeviceSignatureVerdict',
);
