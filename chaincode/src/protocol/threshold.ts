/**
 * Record shapes of the trust domain (capability E: threshold key custody). Every record is stored as canonical
 * JSON; times are epoch milliseconds of the transaction that wrote them.
 */

import type { IdentityRef } from './identity';

export type { IdentityRef };

export type ModuleKeyType = 'p256' | 'ed25519';
export type ModuleStatus = 'active' | 'quarantined';

/** One anomaly kept on the module record so that the score can decay it by age without reading events. */
export interface RecentAnomaly {
  readonly at: number;
  readonly severity: number;
}

/**
 * Aggregate trust inputs, updated in the same transaction that writes the matching trust event. The score is a
 * pure function of these counters, the module status and the transaction time.
 */
export interface TrustCounters {
  readonly attestations: number;
  readonly lastAttestedAt?: number;
  readonly lastFirmwareDigest?: string;
  readonly participationOk: number;
  readonly participationFailed: number;
  readonly anomalies: number;
  /** The most recent anomalies still inside the decay window (newest last, bounded). */
  readonly recentAnomalies: RecentAnomaly[];
  readonly cheaterReports: number;
  readonly tamperReports: number;
}

export interface SecurityModule {
  readonly moduleId: string;
  /** SPKI PEM as re-exported by node:crypto (normalised). */
  readonly publicKeyPem: string;
  readonly keyType: ModuleKeyType;
  /** SHA-256 of the SPKI DER, hex: a short, unique handle on the module key. */
  readonly publicKeyDigest: string;
  /** The x-coordinate of this module's Shamir share (1..255), unique across modules. */
  readonly shareIndex: number;
  /** The ledger identity (role `module`) the module server submits with. */
  readonly owner: IdentityRef;
  readonly endpoint?: string;
  readonly status: ModuleStatus;
  readonly quarantinedAt?: number;
  readonly quarantineEvidence?: string;
  readonly trust: TrustCounters;
  readonly registeredAt: number;
  readonly registeredBy: string;
  readonly updatedAt: number;
  readonly version: number;
}

export type TrustEventKind =
  'attestation' | 'tamper' | 'quarantineCleared' | 'anomaly' | 'participation' | 'cheater';

/** One trust input, kept under `tr.event / moduleId / time / txId` as the audit trail behind the counters. */
export interface TrustEvent {
  readonly moduleId: string;
  readonly kind: TrustEventKind;
  readonly at: number;
  readonly txId: string;
  readonly reportedBy: string;
  readonly firmwareDigest?: string;
  readonly issuedAt?: number;
  readonly nonceDigest?: string;
  readonly evidenceDigest?: string;
  readonly description?: string;
  readonly anomalyKind?: string;
  readonly severity?: number;
  readonly sessionId?: string;
  readonly ok?: boolean;
  readonly reason?: string;
}

export interface ThresholdPolicy {
  readonly keyId: string;
  readonly t: number;
  readonly n: number;
  readonly minTrust: number;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export type CommitmentCurve = 'ed25519' | 'secp256k1' | 'p256';

/** Feldman commitments C_j = g^{a_j} (j = 0..t-1) of one sharing epoch of a key. Public values only. */
export interface CommitmentSet {
  readonly keyId: string;
  readonly epoch: number;
  readonly curve: CommitmentCurve;
  readonly t: number;
  readonly n: number;
  readonly commitments: string[];
  /** SHA-256 of the canonical JSON of `commitments`, hex. */
  readonly commitmentsDigest: string;
  /** Share indices dealt in this epoch, when the dealer names them; sessions then draw only from these. */
  readonly shareIndices?: number[];
  readonly dealer?: string;
  readonly publishedAt: number;
  readonly publishedBy: string;
  readonly txId: string;
}

export type SessionKind = 'reconstruct' | 'sign';
export type SessionOutcome = 'success' | 'failure';

export interface EligibleModule {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly score: number;
}

export interface ThresholdSession {
  readonly sessionId: string;
  readonly keyId: string;
  readonly kind: SessionKind;
  readonly messageDigest?: string;
  readonly purpose: string;
  readonly status: 'open' | 'closed';
  readonly curve: CommitmentCurve;
  readonly commitmentsEpoch: number;
  readonly threshold: number;
  readonly minTrust: number;
  /** Ordered by score desc, then moduleId asc — the order the coordinator draw walks. */
  readonly eligible: EligibleModule[];
  readonly coordinator: string;
  readonly coordinatorOwner: IdentityRef;
  readonly openedAt: number;
  readonly openedBy: string;
  readonly expiresAt: number;
  readonly openTxId: string;
  readonly outcome?: SessionOutcome;
  readonly cheaters?: string[];
  readonly responders?: string[];
  readonly reason?: string;
  readonly closedAt?: number;
  readonly closedBy?: string;
}

export interface SessionResponse {
  readonly sessionId: string;
  readonly moduleId: string;
  readonly responseDigest: string;
  readonly recordedAt: number;
  readonly recordedBy: string;
  readonly txId: string;
}
