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
import {
  KEY_POLICY_DEFAULTS,
  KEY_POLICY_LIMITS,
  QUEUE_ID_PATTERN,
  QUEUE_ID_RULE,
  rotation,
} from '@keyledger/chaincode/protocol';

const { KEY_ALGORITHMS } = rotation;

/** The rotation capability's REST shapes. Inputs are strict, outputs loose (the ledger may add fields). */

export const MAX_SIGNATURE_BYTES = 1024;
/** Largest plaintext one encrypt call takes (decoded bytes). */
export const MAX_PLAINTEXT_BYTES = 1024 * 1024;
/** Largest envelope one decrypt call takes (decoded bytes): plaintext plus a generous header and tag allowance. */
export const MAX_ENVELOPE_BYTES = MAX_PLAINTEXT_BYTES + 4096;

// ---------------------------------------------------------------- path and query parameters

/** A queue id, by the chaincode's own rule (path-, label- and topic-safe). */
export const queueIdSchema = z.string().regex(QUEUE_ID_PATTERN, QUEUE_ID_RULE).describe('queue id');

export const queueParams = z.strictObject({ queueId: queueIdSchema });
export const proposalParams = z.strictObject({
  proposalId: idSchema.describe('rotation proposal id (the proposing transaction id)'),
});
export const frontendVersionsParams = z.strictObject({
  queueId: queueIdSchema,
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

function bounded(field: keyof typeof KEY_POLICY_LIMITS): z.ZodNumber {
  const { min, max } = KEY_POLICY_LIMITS[field];
  return z.number().int().min(min).max(max);
}

const MINUTES = (ms: number): string => `${ms / 60_000} min`;

export const keyPolicyBody = named(
  z
    .strictObject({
      rotationIntervalMs: bounded('rotationIntervalMs').describe('rotate at least this often'),
      maxMessages: bounded('maxMessages').describe('rotate after this many messages under one key version'),
      algorithm: z.enum(KEY_ALGORITHMS),
      proposalTtlMs: bounded('proposalTtlMs')
        .optional()
        .describe(
          `how long a rotation proposal stays open (default ${MINUTES(KEY_POLICY_DEFAULTS.proposalTtlMs)})`,
        ),
      retentionVersions: bounded('retentionVersions')
        .optional()
        .describe(
          `front-ends keep at least the newest this many versions (default ${KEY_POLICY_DEFAULTS.retentionVersions})`,
        ),
      retentionMs: bounded('retentionMs')
        .optional()
        .describe(
          'front-ends also keep a superseded version this long after a later one took over, however many rotations ' +
            `followed (default ${KEY_POLICY_DEFAULTS.retentionMs / DAY_MS} days; 0: by count only)`,
        ),
      minRotationIntervalMs: bounded('minRotationIntervalMs')
        .optional()
        .describe(
          'after a commit, rotations other than for a compromise wait this long (default ' +
            `${MINUTES(KEY_POLICY_DEFAULTS.minRotationIntervalMs)}, at most rotationIntervalMs; 0: no hold)`,
        ),
    })
    .refine(
      (policy) =>
        policy.minRotationIntervalMs === undefined ||
        policy.minRotationIntervalMs <= policy.rotationIntervalMs,
      { message: 'must not exceed rotationIntervalMs', path: ['minRotationIntervalMs'] },
    ),
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
    retentionMs: z.number(),
    minRotationIntervalMs: z.number(),
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

/** What names one proposed or committed key version, in every record that speaks of one. */
const keyVersionIdentity = {
  proposalId: z.string(),
  queueId: z.string(),
  version: positiveInt,
  keyId: z.string(),
  keyCheckValue: z.string(),
};

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
    ...keyVersionIdentity,
    wrappedKeys: z.array(wrappedKeySchema),
    notBefore: epochMs,
    reason: z.enum(rotation.ROTATION_REASONS),
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
    ...keyVersionIdentity,
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
    held: z.boolean().describe('a rotation is due but held back until nextAllowedAt (minRotationIntervalMs)'),
    nextAllowedAt: epochMs.describe('earliest time a rotation other than for a compromise may commit'),
    minRotationIntervalMs: z.number(),
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
    supersededAt: epochMs
      .optional()
      .describe('when a later version took over new messages; absent for the newest version'),
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
  z.looseObject({
    policy: keyPolicySchema,
    created: z.boolean(),
    changed: z.boolean().describe('false when the call repeated the stored policy (nothing was written)'),
  }),
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
