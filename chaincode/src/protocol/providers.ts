/** Record shapes of the KeyProviders contract (capability B). All times are epoch milliseconds. */

import type { IdentityRef } from './identity';

export type ProviderStatus = 'active' | 'suspended';

/** The identity that registered a provider and may update it (besides an admin). */
export type OwnerRef = IdentityRef;

/** A key provider's public profile. Holds public key material only (a certificate or an SPKI public key). */
export interface ProviderProfile {
  readonly providerId: string;
  /** https URL the orchestrator calls over mutual TLS. */
  readonly endpoint: string;
  /** The provider's X.509 certificate, when it registered with one. */
  readonly certificatePem?: string;
  /** SHA-256 (hex) of the certificate DER, when a certificate was given. */
  readonly certificateFingerprint?: string;
  /** The provider's public key as SPKI PEM (taken from the certificate when one was given). */
  readonly publicKeyPem: string;
  /** SHA-256 (hex) of the SPKI DER: a stable id of the provider's key whatever form it was given in. */
  readonly publicKeyFingerprint: string;
  /** node:crypto key type, e.g. 'ec', 'rsa', 'ed25519'. */
  readonly publicKeyType: string;
  readonly algorithms: string[];
  readonly keyIds: string[];
  readonly region: string;
  readonly auditLinks: string[];
  readonly status: ProviderStatus;
  readonly owner: OwnerRef;
  readonly registeredAt: number;
  readonly updatedAt: number;
  /** Starts at 1, +1 on every change of the profile. */
  readonly version: number;
  readonly suspendedAt?: number;
  readonly suspendedReason?: string;
}

/**
 * Length of one reputation window (1 h): the score's uptime counts windows, and an outcome tally never spans two of
 * them, so that a tally says exactly which windows saw a call and a success.
 */
export const REPUTATION_WINDOW_MS = 3_600_000;

/** The window an instant falls in. */
export function reputationWindowOf(at: number): number {
  return Math.floor(at / REPUTATION_WINDOW_MS);
}

/** Where an entry was recorded: its batch, the transaction and its position in the batch. */
interface RecordedOutcome {
  readonly providerId: string;
  readonly batchId: string;
  readonly txId: string;
  /** Position of the outcome in its batch. */
  readonly index: number;
  readonly recordedAt: number;
}

/** One call's outcome reported by the orchestrator, stored as a reputation entry. */
export interface ReputationEntry extends RecordedOutcome {
  /** When the call happened (orchestrator clock, at most 5 minutes after the recording transaction). */
  readonly at: number;
  readonly success: boolean;
  readonly latencyMs: number;
}

/**
 * The outcomes of many calls to one provider within one reputation window, as one entry: what the orchestrator
 * reports, so that the ledger's cost is a transaction per flush, not per request.
 */
export interface OutcomeTally {
  readonly providerId: string;
  /** The first and last call of the tally (both in one reputation window). */
  readonly from: number;
  readonly to: number;
  readonly successes: number;
  readonly failures: number;
  /** Sums of the latencies of the successful and of the failed calls. */
  readonly successLatencyMs: number;
  readonly failureLatencyMs: number;
  /** Present exactly when there is a success / a failure. */
  readonly lastSuccessAt?: number;
  readonly lastFailureAt?: number;
}

/** A tally as a reputation entry; `at` = its last call, the time the entry sorts by. */
export interface ReputationTallyEntry extends OutcomeTally, RecordedOutcome {
  readonly at: number;
}

/** A provider's reputation history holds single outcomes and tallies. */
export type ReputationRecord = ReputationEntry | ReputationTallyEntry;

/**
 * Per-provider aggregate counters, updated together with the entries so a score never needs a scan.
 * Kept apart from the profile so that outcome batches and profile edits do not MVCC-conflict.
 */
export interface ProviderStats {
  readonly providerId: string;
  readonly successCount: number;
  readonly failureCount: number;
  /** Sum of the latencies of every outcome, successes and failures. */
  readonly latencySumMs: number;
  /**
   * Sum of the latencies of successful outcomes only: what the score's latency component uses. Absent in stats
   * written before it existed (the score then estimates it from latencySumMs).
   */
  readonly successLatencySumMs?: number;
  readonly firstSeenAt?: number;
  readonly lastSuccessAt?: number;
  readonly lastFailureAt?: number;
  /** Indices (⌊at / UPTIME_WINDOW_MS⌋) of the most recent windows with at least one outcome, ascending. */
  readonly observedWindows: number[];
  /** Indices of the most recent windows with at least one success, ascending. */
  readonly successWindows: number[];
  readonly batchCount: number;
  readonly updatedAt: number;
}

/** Marks a batch id as used, so a retried batch is refused instead of counted twice. */
export interface OutcomeBatch {
  readonly batchId: string;
  /** Entries in the batch (single outcomes and tallies). */
  readonly count: number;
  /** Calls they stand for (a single outcome is one call, a tally its successes and failures). */
  readonly calls: number;
  readonly providers: string[];
  readonly recordedAt: number;
  readonly recordedBy: OwnerRef;
  readonly txId: string;
}

/**
 * What a grant may allow on a customer master key, as AWS KMS names the operations. Sorted (code-point order),
 * the order a grant stores its operations in.
 */
export const KEY_OPERATIONS = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncrypt'] as const;

export type KeyOperation = (typeof KEY_OPERATIONS)[number];

export const KEY_STATUSES = ['enabled', 'disabled'] as const;

/** A disabled key is refused for every operation until it is enabled again. */
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** The algorithm of a key created without one. */
export const DEFAULT_KEY_ALGORITHM = 'AES-256-GCM';

/** Most grants one key may hold (its record, grants included, is read by every authorization). */
export const MAX_KEY_GRANTS = 256;

/** Who may use a key for what: one identity (need not be a member when granted) and its operations. */
export interface KeyGrant {
  readonly mspId: string;
  readonly fingerprint: string;
  /** A label for the grant or its grantee, as the admin gave it. */
  readonly name?: string;
  /** Distinct, sorted as in {@link KEY_OPERATIONS}; never empty. */
  readonly operations: KeyOperation[];
  /** When this grant was made or last changed. */
  readonly grantedAt: number;
  readonly grantedBy: IdentityRef;
}

/**
 * A customer master key (CMK) as the ledger knows it: its id, algorithm, status and who may use it. The key
 * material lives in the providers' HSMs, replicated by key wrap; providers holding a replica name the key id in
 * their profile's `keyIds`.
 */
export interface ProviderKey {
  readonly keyId: string;
  readonly description: string;
  readonly algorithm: string;
  readonly status: KeyStatus;
  readonly createdBy: IdentityRef;
  readonly createdAt: number;
  /** Sorted by mspId, then fingerprint (code-point order); one grant per identity. */
  readonly grants: KeyGrant[];
  /** Starts at 1, +1 on every change (grant, revoke, disable, enable). */
  readonly version: number;
  readonly updatedAt: number;
  readonly disabledAt?: number;
  readonly disabledReason?: string;
  readonly disabledBy?: IdentityRef;
}

/** The answer of ListKeys: every key in keyId order. */
export interface KeyList {
  readonly keys: ProviderKey[];
  readonly asOf: number;
}

/** The answer of DisableKey and EnableKey; `changed: false` when the call was a no-op (a retry). */
export interface KeyChange {
  readonly key: ProviderKey;
  readonly changed: boolean;
}

/** The answer of GrantKeyUse (the grant as stored) and RevokeKeyGrant (the grant removed). */
export interface KeyGrantChange extends KeyChange {
  readonly grant: KeyGrant;
}

/**
 * AuthorizeKeyUse's answer for its caller, given only when the key exists, is enabled and the caller's grant
 * allows the operation (otherwise the call fails with FORBIDDEN or NOT_FOUND).
 */
export interface KeyAuthorization {
  readonly keyId: string;
  readonly operation: KeyOperation;
  readonly allowed: true;
  /** The key record's version: an answer stays good until a KeyGrantChanged / KeyUpdated event moves it. */
  readonly keyVersion: number;
  readonly algorithm: string;
  readonly grantee: IdentityRef;
  /** Everything the caller's grant allows. */
  readonly operations: KeyOperation[];
  readonly asOf: number;
}
