import { z } from 'zod';

/**
 * The security modules' protocol over mutual TLS: ceremonies driven by an orchestrator (the gateway), signing
 * driven by the coordinator the ledger chose, and the point-to-point deliveries of secret values between modules.
 * Points, scalars and identifiers are lowercase hex as @noble/curves serialises them; messages are standard
 * base64. A secret value (a DKG share, a refresh delta, a share released for reconstruction) only ever travels
 * module to module or module to coordinator, inside TLS, never through the gateway.
 */

export const MODULE_PATHS = {
  dkgRound1: '/v1/dkg/round1',
  dkgRound2: '/v1/dkg/round2',
  dkgDeliver: '/v1/dkg/deliver',
  dkgRound3: '/v1/dkg/round3',
  dealerDeal: '/v1/dealer/deal',
  dealerDeliver: '/v1/dealer/deliver',
  acceptShare: '/v1/shares/accept',
  forgetShare: '/v1/shares/forget',
  refreshDeal: '/v1/refresh/deal',
  refreshDeliver: '/v1/refresh/deliver',
  refreshFinish: '/v1/refresh/finish',
  coordinate: '/v1/sessions/coordinate',
  commit: '/v1/sessions/commit',
  signShare: '/v1/sessions/sign',
  releaseShare: '/v1/sessions/release',
  reconstruct: '/v1/sessions/reconstruct',
  faults: '/v1/faults',
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const idSchema = z.string().regex(ID, 'must be 1-64 characters [A-Za-z0-9._-], starting alphanumeric');
const hex = (bytes: number): z.ZodString =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`);
export const pointHex = hex(32);
export const scalarHex = hex(32);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const messageSchema = z
  .string()
  .regex(BASE64, 'must be standard base64')
  .refine((value) => Buffer.byteLength(value, 'base64') <= 64 * 1024, 'must decode to at most 64 KiB');

export const participantSchema = z.strictObject({
  moduleId: idSchema,
  shareIndex: z.number().int().min(1).max(255),
});
export type CeremonyMember = z.output<typeof participantSchema>;

const ceremonyBase = {
  ceremonyId: idSchema,
  keyId: idSchema,
};

export const dkgRound1Request = z.strictObject({
  ...ceremonyBase,
  t: z.number().int().min(2).max(255),
  participants: z.array(participantSchema).min(2).max(255),
});
export type DkgRound1Request = z.output<typeof dkgRound1Request>;

export const round1PackageSchema = z.strictObject({
  identifier: scalarHex,
  commitment: z.array(pointHex).min(2).max(255),
  proofOfKnowledge: hex(64),
});
export type Round1Package = z.output<typeof round1PackageSchema>;

export const dkgRound1Response = z.strictObject({ moduleId: idSchema, package: round1PackageSchema });
export type DkgRound1Response = z.output<typeof dkgRound1Response>;

export const dkgRound2Request = z.strictObject({
  ceremonyId: idSchema,
  round1: z
    .array(z.strictObject({ moduleId: idSchema, package: round1PackageSchema }))
    .min(2)
    .max(255),
});
export type DkgRound2Request = z.output<typeof dkgRound2Request>;

/** A round-2 answer: the recipients this module delivered to (directly, over TLS) and those it could not reach. */
export const dkgRound2Response = z.strictObject({
  moduleId: idSchema,
  delivered: z.array(idSchema),
  undelivered: z.array(idSchema),
});
export type DkgRound2Response = z.output<typeof dkgRound2Response>;

/** A secret value from one module to another (DKG share, dealer share, refresh delta). */
export const deliverRequest = z.strictObject({
  ceremonyId: idSchema,
  from: idSchema,
  value: scalarHex,
});
export type DeliverRequest = z.output<typeof deliverRequest>;

export const dkgRound3Request = z.strictObject({ ceremonyId: idSchema });

export const publicPackageSchema = z.strictObject({
  commitments: z.array(pointHex).min(2).max(255),
  /** Keyed by decimal share index. */
  verifyingShares: z.record(z.string().regex(/^[1-9][0-9]{0,2}$/), pointHex),
});
export type PublicPackageWire = z.output<typeof publicPackageSchema>;

/** Round 3 (or a dealer delivery, or a refresh): the public package this module computed, and who it blames. */
export const ceremonyResultResponse = z.strictObject({
  moduleId: idSchema,
  public: publicPackageSchema.optional(),
  /** Senders whose secret value failed its commitment check. */
  blamed: z.array(idSchema),
});
export type CeremonyResultResponse = z.output<typeof ceremonyResultResponse>;

export const dealerDeliverRequest = z.strictObject({
  ...ceremonyBase,
  t: z.number().int().min(2).max(255),
  public: publicPackageSchema,
  value: scalarHex,
});
export type DealerDeliverRequest = z.output<typeof dealerDeliverRequest>;

export const acceptShareRequest = z.strictObject({
  ceremonyId: idSchema,
  keyId: idSchema,
  epoch: z.number().int().min(1),
});
export type AcceptShareRequest = z.output<typeof acceptShareRequest>;
export const acceptShareResponse = z.strictObject({
  moduleId: idSchema,
  keyId: idSchema,
  epoch: z.number().int(),
  acknowledged: z.boolean(),
});
export type AcceptShareResponse = z.output<typeof acceptShareResponse>;

export const forgetShareRequest = z.strictObject({
  keyId: idSchema,
  /** Every epoch below this one is deleted, once the ledger shows it fully acknowledged. */
  keepFrom: z.number().int().min(1),
});
export type ForgetShareRequest = z.output<typeof forgetShareRequest>;
export const forgetShareResponse = z.strictObject({
  moduleId: idSchema,
  forgotten: z.array(z.number().int()),
  kept: z.array(z.number().int()),
});
export type ForgetShareResponse = z.output<typeof forgetShareResponse>;

export const refreshDealRequest = z.strictObject({
  ...ceremonyBase,
  fromEpoch: z.number().int().min(1),
  participants: z.array(participantSchema).min(2).max(255),
});
export type RefreshDealRequest = z.output<typeof refreshDealRequest>;
export const refreshDealResponse = z.strictObject({
  moduleId: idSchema,
  commitments: z.array(pointHex).min(1).max(254),
  undelivered: z.array(idSchema),
});
export type RefreshDealResponse = z.output<typeof refreshDealResponse>;

export const refreshFinishRequest = z.strictObject({
  ceremonyId: idSchema,
  /** Each dealer's commitments, by moduleId. */
  dealt: z.record(idSchema, z.array(pointHex).min(1).max(254)),
});
export type RefreshFinishRequest = z.output<typeof refreshFinishRequest>;

export const coordinateRequest = z.strictObject({
  sessionId: idSchema,
  message: messageSchema,
});
export type CoordinateRequest = z.output<typeof coordinateRequest>;

export const coordinateResponse = z.strictObject({
  sessionId: idSchema,
  signature: hex(64),
  groupPublicKey: pointHex,
  signers: z.array(idSchema),
  cheaters: z.array(idSchema),
  late: z.array(idSchema),
  unreachable: z.array(idSchema),
  attempts: z.number().int(),
});
export type CoordinateResponse = z.output<typeof coordinateResponse>;

export const nonceCommitmentSchema = z.strictObject({
  identifier: scalarHex,
  hiding: pointHex,
  binding: pointHex,
});
export type NonceCommitmentWire = z.output<typeof nonceCommitmentSchema>;

export const commitRequest = z.strictObject({
  sessionId: idSchema,
  attempt: z.number().int().min(1).max(16),
});
export type CommitRequest = z.output<typeof commitRequest>;
export const commitResponse = z.strictObject({ moduleId: idSchema, commitments: nonceCommitmentSchema });
export type CommitResponse = z.output<typeof commitResponse>;

export const signShareRequest = z.strictObject({
  sessionId: idSchema,
  attempt: z.number().int().min(1).max(16),
  message: messageSchema,
  commitmentList: z.array(nonceCommitmentSchema).min(2).max(255),
});
export type SignShareRequest = z.output<typeof signShareRequest>;

/** A module's signed answer: what it sent, and its registered key's signature binding it to the session. */
export const signedResponseSchema = z.strictObject({
  moduleId: idSchema,
  responseDigest: hex(32),
  signature: z.string().regex(BASE64),
});
export type SignedResponse = z.output<typeof signedResponseSchema>;

export const signShareResponse = z.strictObject({
  moduleId: idSchema,
  signatureShare: scalarHex,
  response: signedResponseSchema,
});
export type SignShareResponse = z.output<typeof signShareResponse>;

export const releaseShareRequest = z.strictObject({ sessionId: idSchema });
export const releaseShareResponse = z.strictObject({
  moduleId: idSchema,
  shareIndex: z.number().int(),
  signingShare: scalarHex,
  response: signedResponseSchema,
});
export type ReleaseShareResponse = z.output<typeof releaseShareResponse>;

export const escrowBlobSchema = z.strictObject({
  ephemeral: pointHex,
  iv: z.string().regex(BASE64),
  tag: z.string().regex(BASE64),
  ciphertext: messageSchema,
});

/** What a reconstruction session is for; its SHA-256 (canonical JSON) is the session's messageDigest. */
export const reconstructOperationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('unwrap'),
    /** Bound to the escrow as AES-GCM AAD (e.g. what the escrowed key is for). */
    context: z.string().min(1).max(256),
    escrow: escrowBlobSchema,
  }),
  z.strictObject({
    kind: z.literal('derive-key'),
    purpose: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters [a-z0-9._-]'),
    epoch: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32),
  }),
]);
export type ReconstructOperation = z.output<typeof reconstructOperationSchema>;

export const reconstructRequest = z.strictObject({
  sessionId: idSchema,
  operation: reconstructOperationSchema,
});
export type ReconstructRequest = z.output<typeof reconstructRequest>;

export const reconstructResponse = z.strictObject({
  sessionId: idSchema,
  /** The operation's result (standard base64): the unwrapped secret, or the derived key. Never the group key. */
  result: z.string(),
  used: z.array(idSchema),
  cheaters: z.array(idSchema),
  unreachable: z.array(idSchema),
});
export type ReconstructResponse = z.output<typeof reconstructResponse>;
