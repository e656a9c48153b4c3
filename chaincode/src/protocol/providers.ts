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

/** One outcome reported by the orchestrator, stored as a reputation entry. */
export interface ReputationEntry {
  readonly providerId: string;
  /** When the call happened (orchestrator clock, at most 5 minutes after the recording transaction). */
  readonly at: number;
  readonly success: boolean;
  readonly latencyMs: number;
  readonly batchId: string;
  readonly txId: string;
  /** Position of the outcome in its batch. */
  readonly index: number;
  readonly recordedAt: number;
}

/**
 * Per-provider aggregate counters, updated together with the entries so a score never needs a scan.
 * Kept apart from the profile so that outcome batches and profile edits do not MVCC-conflict.
 */
export interface ProviderStats {
  readonly providerId: string;
  readonly successCount: number;
  readonly failureCount: number;
  readonly latencySumMs: number;
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
  readonly count: number;
  readonly providers: string[];
  readonly recordedAt: number;
  readonly recordedBy: OwnerRef;
  readonly txId: string;
}
