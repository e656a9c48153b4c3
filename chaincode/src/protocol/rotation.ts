/** Record shapes of the key-rotation capability as stored in world state and returned by queries. */

import type { IdentityRef } from './identity';

export const ROTATION_REASONS = ['schedule', 'volume', 'compromise', 'manual'] as const;
export type RotationReason = (typeof ROTATION_REASONS)[number];

export const KEY_ALGORITHMS = ['AES-256-GCM'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export type ProposalStatus = 'open' | 'committed' | 'rejected' | 'expired';

/**
 * Why a rotation is due. 'interval', 'volume' and 'compromise' come from the issue; 'initial' means the queue
 * has no key yet, 'recipients' means the set of active front-ends differs from the recipients of the active
 * key (a front-end was registered — it has no key — or revoked — it still holds the active key).
 */
export type DueReason = 'initial' | 'interval' | 'volume' | 'compromise' | 'recipients';

/**
 * `rot.policy / queueId` — written by admins only (SetKeyPolicy). Bounds and defaults: `rotationPolicy.ts`
 * (`KEY_POLICY_LIMITS`, `KEY_POLICY_DEFAULTS`). A policy stored before a field existed is returned with that
 * field's default.
 */
export interface KeyPolicy {
  /** See `QUEUE_ID_PATTERN`. */
  readonly queueId: string;
  /** A rotation is due ('interval') once the active version is this old. */
  readonly rotationIntervalMs: number;
  /** A rotation is due ('volume') once this many messages were reported under the active version. */
  readonly maxMessages: number;
  readonly algorithm: KeyAlgorithm;
  /** How long a proposal stays open for votes (default 1 h). */
  readonly proposalTtlMs: number;
  /**
   * Retention by count: front-ends keep the newest `retentionVersions` committed versions (default 2). A
   * version outside them is still kept while it is retained by time; see `isVersionRetained`.
   */
  readonly retentionVersions: number;
  /**
   * Retention by time: a superseded version is kept until `retentionMs` after a later version took over
   * (its `supersededAt` in GetRotationsSince), however many versions followed (default 7 days; 0 = by count
   * only). Advisory for front-ends; the ledger itself keeps every version's record and wrapped copies.
   */
  readonly retentionMs: number;
  /**
   * Rate limit: no rotation commits less than this long after the active version did, unless the active
   * version is reported compromised or one of its recipients is no longer an active front-end (default
   * 60 s, at most rotationIntervalMs; 0 = no limit). ProposeRotation refuses a held-back proposal with
   * [CONFLICT]; IsRotationDue reports `held` and `nextAllowedAt`.
   */
  readonly minRotationIntervalMs: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** SetKeyPolicy's result: `changed` is false when the call repeated the stored policy (nothing was written). */
export interface KeyPolicyResult {
  readonly policy: KeyPolicy;
  readonly created: boolean;
  readonly changed: boolean;
}

export interface CompromiseRecord {
  readonly version: number;
  readonly reportedAt: number;
  readonly reportedBy: string;
  readonly reason: string;
}

/**
 * `rot.queue / queueId` — changes only when a key version is committed or reported compromised, so its key
 * history (GetHistoryForKey) is the queue's key history.
 */
export interface QueueState {
  readonly queueId: string;
  readonly activeVersion: number;
  readonly activeKeyId?: string;
  readonly activeKeyCheckValue?: string;
  readonly activeProposalId?: string;
  readonly committedAt?: number;
  readonly notBefore?: number;
  readonly compromised: CompromiseRecord[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One recipient's copy of the new key: opaque ciphertext, never the key itself. */
export interface WrappedKey {
  readonly mspId: string;
  readonly fingerprint: string;
  /** base64: the AES-256 key wrapped (ECDH P-256 + AES key wrap) to the recipient's published public key. */
  readonly wrappedKey: string;
  /** base64: the proposer's ephemeral ECDH public key, when the wrap scheme uses one. */
  readonly ephemeralPublicKey?: string;
}

export type MemberIdentity = IdentityRef;

/**
 * A validator's approval. When `signature` is present it was verified on-chain over the proposal digest with
 * the key of `certificate` (the approver's X.509 certificate, whose SHA-256 is `fingerprint`), so anyone can
 * re-verify it from ledger data alone.
 */
export interface Approval {
  readonly mspId: string;
  readonly fingerprint: string;
  readonly approvedAt: number;
  readonly txId: string;
  readonly signature?: string;
  readonly certificate?: string;
}

export interface Rejection {
  readonly mspId: string;
  readonly fingerprint: string;
  readonly rejectedAt: number;
  readonly txId: string;
  readonly reason: string;
}

/** `rot.rotation / proposalId` (proposalId = the proposing transaction's id). */
export interface RotationProposal {
  readonly proposalId: string;
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  /** Sorted by (mspId, fingerprint) in UTF-8 byte order. */
  readonly wrappedKeys: WrappedKey[];
  readonly notBefore: number;
  readonly reason: RotationReason;
  readonly proposer: MemberIdentity;
  /** Hex SHA-256 of the canonical JSON of the digest input; see `digest.ts`. */
  readonly digest: string;
  readonly status: ProposalStatus;
  readonly proposedAt: number;
  readonly expiresAt: number;
  readonly approvals: Approval[];
  readonly rejections: Rejection[];
  /** Validator count and quorum when the proposal was made (informational). */
  readonly validatorCountAtProposal: number;
  readonly quorumAtProposal: number;
  /** Set when the proposal closes. */
  readonly closedAt?: number;
  /** Set at commit: the validator count and quorum the commit was decided with. */
  readonly validatorCount?: number;
  readonly quorum?: number;
}

/** `rot.committed / queueId / sortableInt(version)` — one per committed key version, for "rotations since N". */
export interface CommittedRotation {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly proposalId: string;
  readonly digest: string;
  readonly reason: RotationReason;
  readonly proposer: MemberIdentity;
  readonly notBefore: number;
  readonly committedAt: number;
  readonly approvals: Approval[];
  readonly quorum: number;
  readonly validatorCount: number;
  /** Recipients (refs `mspId/fingerprint`) that received a wrapped copy. */
  readonly recipients: string[];
}

/**
 * A committed version as GetRotationsSince returns it: the stored record (written once, never changed) plus
 * what later transactions tell about it.
 */
export interface CommittedRotationView extends CommittedRotation {
  readonly compromised: boolean;
  /**
   * When a later version took over new messages: the earliest max(committedAt, notBefore) of the versions
   * committed after this one (see `takesOverAt`). Absent while this is the newest version; may lie in the
   * future while the successor's notBefore has not come. Retention by time counts from here.
   */
  readonly supersededAt?: number;
}

/** `rot.open / queueId` — present while the queue has an open proposal. */
export interface OpenProposalPointer {
  readonly proposalId: string;
  readonly version: number;
  readonly proposedAt: number;
  readonly expiresAt: number;
}

/** `rot.keyid / queueId / keyId` — reserves a key id for a queue forever. */
export interface KeyIdReservation {
  readonly queueId: string;
  readonly keyId: string;
  readonly proposalId: string;
  readonly version: number;
}

/**
 * `rot.volume / queueId / sortableInt(version) / mspId / fingerprint` — one record per reporter and key version,
 * so concurrent front-ends never write the same key.
 */
export interface VolumeRecord {
  readonly queueId: string;
  readonly version: number;
  readonly mspId: string;
  readonly fingerprint: string;
  readonly total: number;
  readonly reports: number;
  readonly firstWindowStart: number;
  readonly lastWindowStart: number;
  readonly lastWindowEnd: number;
  readonly updatedAt: number;
}

export interface OpenProposalSummary {
  readonly proposalId: string;
  readonly version: number;
  readonly expiresAt: number;
  readonly expired: boolean;
}

/**
 * IsRotationDue's answer. `reasons` are the conditions that hold now; `due` is whether a proposal would be
 * accepted now for them: it is false while the rotation is `held` — the active version committed less than
 * minRotationIntervalMs ago (until `nextAllowedAt`) and neither compromised nor held by a front-end that is
 * no longer active. An agent that sees `held` waits until `nextAllowedAt` instead of proposing.
 */
export interface RotationDue {
  readonly queueId: string;
  readonly due: boolean;
  readonly reasons: DueReason[];
  /** Reasons hold but the rotation must wait until nextAllowedAt. */
  readonly held: boolean;
  /**
   * Earliest transaction time at which a proposal that is not exempt is accepted: committedAt of the active
   * version + minRotationIntervalMs (the queue's createdAt while it has no key). May lie in the past.
   */
  readonly nextAllowedAt: number;
  readonly minRotationIntervalMs: number;
  readonly activeVersion: number;
  readonly elapsedMs: number;
  readonly rotationIntervalMs: number;
  readonly messages: number;
  readonly maxMessages: number;
  readonly openProposal: OpenProposalSummary | null;
}

export interface ActiveKey {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly algorithm: KeyAlgorithm;
  readonly proposalId: string;
  readonly committedAt: number;
  readonly notBefore: number;
  readonly compromised: boolean;
}
