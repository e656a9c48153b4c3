import { z } from 'zod';
import {
  base64,
  DAY_MS,
  decodedBase64Length,
  epochMs,
  fingerprint,
  idSchema,
  memberRefSchema,
  named,
  nonNegativeInt,
  positiveInt,
  queryInt,
  reason,
} from '../http/schemas';

/** The rotation capability's REST shapes. Inputs are strict, outputs loose (the ledger may add fields). */

export const MAX_SIGNATURE_BYTES = 1024;
/** Largest plaintext one encrypt call takes (decoded bytes). */
export const MAX_PLAINTEXT_BYTES = 1024 * 1024;
/** Largest envelope one decrypt call takes (decoded bytes): plaintext plus a generous header and tag allowance. */
export const MAX_ENVELOPE_BYTES = MAX_PLAINTEXT_BYTES + 4096;

// ---------------------------------------------------------------- path and query parameters

export const queueParams = z.strictObject({ queueId: idSchema.describe('queue id') });
export const proposalParams = z.strictObject({
  proposalId: idSchema.describe('rotation proposal id (the proposing transaction id)'),
});
export const frontendVersionsParams = z.strictObject({
  queueId: idSchema.describe('queue id'),
  name: idSchema.describe('front-end node name'),
});
export const historyQuery = z.strictObject({
  since: queryInt.optional().describe('only committed versions above this one (default 0: all)'),
});
export const frontendQuery = z.strictObject({
  frontend: idSchema
    .optional()
    .describe("front-end node to use; default: the node whose identity is the caller's"),
});

// ---------------------------------------------------------------- request bodies

export const keyPolicyBody = named(
  z.strictObject({
    rotationIntervalMs: z
      .number()
      .int()
      .min(1000)
      .max(3650 * DAY_MS)
      .describe('rotate at least this often'),
    maxMessages: positiveInt.describe('rotate after this many messages under one key version'),
    algorithm: z.enum(['AES-256-GCM']),
    proposalTtlMs: z
      .number()
      .int()
      .min(60_000)
      .max(30 * DAY_MS)
      .optional()
      .describe('how long a rotation proposal stays open (default 1 h)'),
    retentionVersions: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('key versions front-ends keep for decrypting older messages (default 2)'),
  }),
  'KeyPolicyInput',
  'A queue key policy; the queue id comes from the path.',
);

export const approveBody = named(
  z.strictObject({
    signature: base64
      .min(1, 'must not be empty')
      .refine((value) => decodedBase64Length(value) <= MAX_SIGNATURE_BYTES, {
        message: `must decode to at most ${MAX_SIGNATURE_BYTES} bytes`,
      })
      .optional()
      .describe("base64 ECDSA-SHA256 signature over the proposal digest by the caller's Fabric key"),
  }),
  'ApproveInput',
);

export const rejectBody = named(z.strictObject({ reason }), 'RejectInput');

export const rotateBody = named(
  z.strictObject({ reason: z.literal('manual').optional().describe("always 'manual' (the default)") }),
  'RotateInput',
);

export const compromiseBody = named(
  z.strictObject({
    version: positiveInt.describe('the committed key version that is compromised'),
    reason,
  }),
  'CompromiseInput',
);

export const encryptBody = named(
  z.strictObject({
    plaintext: base64
      .refine((value) => decodedBase64Length(value) <= MAX_PLAINTEXT_BYTES, {
        message: `must decode to at most ${MAX_PLAINTEXT_BYTES} bytes`,
      })
      .describe('the message, base64'),
  }),
  'EncryptInput',
);

export const decryptBody = named(
  z.strictObject({
    envelope: base64
      .min(1, 'must not be empty')
      .refine((value) => decodedBase64Length(value) <= MAX_ENVELOPE_BYTES, {
        message: `must decode to at most ${MAX_ENVELOPE_BYTES} bytes`,
      })
      .describe('an envelope returned by encrypt, base64'),
  }),
  'DecryptInput',
);

export const keyPolicySchema = named(
  z.looseObject({
    queueId: z.string(),
    rotationIntervalMs: z.number(),
    maxMessages: z.number(),
    algorithm: z.string(),
    proposalTtlMs: z.number(),
    retentionVersions: z.number(),
    createdAt: epochMs,
    updatedAt: epochMs,
    updatedBy: z.string(),
  }),
  'KeyPolicy',
);

export const queueSummarySchema = named(
  z.looseObject({
    ...keyPolicySchema.shape,
    activeVersion: nonNegativeInt,
    activeKeyId: z.string().optional(),
  }),
  'QueueSummary',
);

export const queueListSchema = named(z.looseObject({ items: z.array(queueSummarySchema) }), 'QueueList');

export const approvalSchema = named(
  z.looseObject({
    mspId: z.string(),
    fingerprint,
    approvedAt: epochMs,
    txId: z.string(),
    signature: z.string().optional(),
    certificate: z.string().optional(),
  }),
  'Approval',
);

export const rejectionSchema = named(
  z.looseObject({
    mspId: z.string(),
    fingerprint,
    rejectedAt: epochMs,
    txId: z.string(),
    reason: z.string(),
  }),
  'Rejection',
);

export const wrappedKeySchema = named(
  z.looseObject({
    mspId: z.string(),
    fingerprint,
    wrappedKey: z.string().describe('base64; the key wrapped to the recipient, never the key itself'),
    ephemeralPublicKey: z.string().optional(),
  }),
  'WrappedKey',
);

export const proposalSchema = named(
  z.looseObject({
    proposalId: z.string(),
    queueId: z.string(),
    version: positiveInt,
    keyId: z.string(),
    keyCheckValue: z.string(),
    wrappedKeys: z.array(wrappedKeySchema),
    notBefore: epochMs,
    reason: z.enum(['schedule', 'volume', 'compromise', 'manual']),
    proposer: memberRefSchema,
    digest: z.string(),
    status: z.enum(['open', 'committed', 'rejected', 'expired']),
    proposedAt: epochMs,
    expiresAt: epochMs,
    approvals: z.array(approvalSchema),
    rejections: z.array(rejectionSchema),
    validatorCountAtProposal: z.number(),
    quorumAtProposal: z.number(),
    closedAt: epochMs.optional(),
    validatorCount: z.number().optional(),
    quorum: z.number().optional(),
  }),
  'RotationProposal',
);

export const proposalSummarySchema = named(
  z.looseObject({
    proposalId: z.string(),
    queueId: z.string(),
    version: positiveInt,
    keyId: z.string(),
    keyCheckValue: z.string(),
    digest: z.string(),
    reason: z.string(),
    proposer: z.string().describe('mspId/fingerprint'),
    recipients: z.array(z.string()),
    notBefore: epochMs,
    proposedAt: epochMs,
    expiresAt: epochMs,
    expired: z.boolean(),
  }),
  'RotationProposalSummary',
);

export const proposalListSchema = named(
  z.looseObject({ items: z.array(proposalSummarySchema) }),
  'RotationProposalSummaryList',
);

export const queueProposalListSchema = named(
  z.looseObject({
    items: z.array(proposalSchema).describe('the open proposal, if any (at most one per queue)'),
  }),
  'QueueProposalList',
);

export const activeKeySchema = named(
  z.looseObject({
    queueId: z.string(),
    version: positiveInt,
    keyId: z.string(),
    keyCheckValue: z.string(),
    algorithm: z.string(),
    proposalId: z.string(),
    committedAt: epochMs,
    notBefore: epochMs,
    compromised: z.boolean(),
  }),
  'ActiveKey',
);

export const rotationDueSchema = named(
  z.looseObject({
    queueId: z.string(),
    due: z.boolean(),
    reasons: z.array(z.enum(['initial', 'interval', 'volume', 'compromise', 'recipients'])),
    activeVersion: nonNegativeInt,
    elapsedMs: z.number(),
    rotationIntervalMs: z.number(),
    messages: z.number(),
    maxMessages: z.number(),
    openProposal: z
      .looseObject({ proposalId: z.string(), version: z.number(), expiresAt: epochMs, expired: z.boolean() })
      .nullable(),
  }),
  'RotationDue',
);

export const queueKeySchema = named(
  z.looseObject({
    queueId: z.string(),
    active: activeKeySchema.nullable().describe('null while the queue has no committed key'),
    due: rotationDueSchema,
  }),
  'QueueKeyStatus',
);

export const committedRotationSchema = named(
  z.looseObject({
    queueId: z.string(),
    version: positiveInt,
    keyId: z.string(),
    keyCheckValue: z.string(),
    proposalId: z.string(),
    digest: z.string(),
    reason: z.string(),
    proposer: memberRefSchema,
    notBefore: epochMs,
    committedAt: epochMs,
    approvals: z.array(approvalSchema),
    quorum: z.number(),
    validatorCount: z.number(),
    recipients: z.array(z.string()),
    compromised: z.boolean(),
  }),
  'CommittedRotation',
);

export const queueStateEntrySchema = named(
  z.looseObject({
    txId: z.string(),
    timestamp: epochMs,
    isDelete: z.boolean(),
    value: z.looseObject({ queueId: z.string(), activeVersion: nonNegativeInt }).optional(),
  }),
  'QueueStateHistoryEntry',
);

export const queueHistorySchema = named(
  z.looseObject({
    queueId: z.string(),
    rotations: z.array(committedRotationSchema).describe('committed key versions, oldest first'),
    states: z
      .array(queueStateEntrySchema)
      .describe('every committed change of the queue state, newest first'),
  }),
  'QueueHistory',
);

export const policyResultSchema = named(
  z.looseObject({ policy: keyPolicySchema, created: z.boolean() }),
  'KeyPolicyResult',
);

export const encryptResultSchema = named(
  z.looseObject({
    queueId: z.string(),
    version: positiveInt.describe('key version the message was sealed with'),
    frontend: z.string(),
    envelope: z.string().describe('base64 envelope: header, ciphertext and tag'),
  }),
  'EncryptResult',
);

export const decryptResultSchema = named(
  z.looseObject({
    queueId: z.string(),
    frontend: z.string(),
    version: positiveInt.describe('key version the envelope was sealed with'),
    keyCompromised: z.boolean().describe('the version is marked compromised on the ledger'),
    plaintext: z.string().describe('base64'),
  }),
  'DecryptResult',
);

export const localKeyVersionSchema = named(
  z.looseObject({
    version: positiveInt,
    keyId: z.string(),
    keyCheckValue: z.string(),
    committedAt: epochMs,
    compromised: z.boolean(),
    current: z.boolean(),
  }),
  'LocalKeyVersion',
);

export const frontendVersionsSchema = named(
  z.looseObject({ queueId: z.string(), frontend: z.string(), versions: z.array(localKeyVersionSchema) }),
  'FrontendKeyVersions',
);
