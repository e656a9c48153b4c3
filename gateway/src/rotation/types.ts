import type { rotation } from '@keyledger/chaincode/protocol';
import type { MemberRef } from '../governance';

export type RotationProposal = rotation.RotationProposal;
export type ActiveKey = rotation.ActiveKey;
export type RotationDue = rotation.RotationDue;

/** What a validator agent offers the REST API (and `npm start`). */
export interface ValidatorAgentHandle {
  readonly name: string;
  readonly identity: MemberRef;
  /**
   * Generates a new key in this validator's HSM, wraps it for every registered front-end and proposes it as
   * version active+1. Resolves with the proposal as stored on the ledger (committed already when quorum is 1).
   */
  rotateNow(queueId: string, reason: 'manual' | 'compromise'): Promise<RotationProposal>;
  /** Records the compromise on the ledger (front-ends stop encrypting with that version) and proposes a replacement. */
  reportCompromise(queueId: string, version: number, reason: string): Promise<RotationProposal>;
}

/** A sealed queue message: self-describing, so the right key version decrypts it later. */
export interface SealedMessage {
  readonly queueId: string;
  readonly version: number;
  /** Envelope bytes: header (format, key version, IV) ‖ AES-256-GCM ciphertext ‖ tag; AAD = queue id and version. */
  readonly envelope: Uint8Array;
}

/** An opened message and the key version that opened it. The caller wipes `plaintext` after use. */
export interface OpenedMessage {
  readonly plaintext: Uint8Array;
  readonly version: number;
  /** The version is marked compromised on the ledger (it still decrypts within retention). */
  readonly compromised: boolean;
}

export interface LocalKeyVersion {
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly committedAt: number;
  readonly compromised: boolean;
  /** Newest usable version: the one new messages are encrypted with. */
  readonly current: boolean;
}

/** What a front-end node offers the REST API. */
export interface FrontendNodeHandle {
  readonly name: string;
  readonly identity: MemberRef;
  encrypt(queueId: string, plaintext: Uint8Array): Promise<SealedMessage>;
  /** Throws when the envelope's version is unknown, past retention, or the ciphertext does not authenticate. */
  decrypt(queueId: string, envelope: Uint8Array): Promise<OpenedMessage>;
  /** The key versions this node holds for a queue (never key bytes). */
  keyVersions(queueId: string): LocalKeyVersion[];
  /** Resolves once the node seals the queue's messages with `version` or a later one; rejects after `timeoutMs`. */
  waitForVersion(queueId: string, version: number, timeoutMs?: number): Promise<number>;
}

export type KeyPolicy = rotation.KeyPolicy;
export type RotationReason = rotation.RotationReason;
export type Approval = rotation.Approval;

/** One entry of `KeyRotation:ListPendingRotations`: a summary of an open proposal (no wrapped keys). */
export interface PendingRotationSummary {
  readonly proposalId: string;
  readonly queueId: string;
  readonly version: number;
  readonly expired: boolean;
  readonly [field: string]: unknown;
}

/** One entry of `KeyRotation:ListQueues`: the policy with the queue's active version. */
export interface QueueSummary extends rotation.KeyPolicy {
  readonly activeVersion: number;
  readonly activeKeyId?: string;
}

/** One entry of `KeyRotation:GetRotationsSince`. */
export type CommittedRotationView = rotation.CommittedRotationView;

/** `KeyRotation:GetWrappedKey`: the caller's own copy of a committed version. */
export interface WrappedKeyView {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly proposalId: string;
  readonly notBefore: number;
  readonly committedAt: number;
  readonly compromised: boolean;
  readonly mspId: string;
  readonly fingerprint: string;
  readonly wrappedKey: string;
  readonly ephemeralPublicKey?: string;
}

/**
 * A committed key version a front-end will not use: the commit did not verify, its wrapped copy did not
 * unwrap, or the unwrapped key's check value differs from the ledger's. Never carries key bytes.
 */
export interface RefusedKeyVersion {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly reason: string;
  /** false when a later attempt may succeed (e.g. the ledger was unreachable half-way). */
  readonly permanent: boolean;
  readonly at: number;
}
