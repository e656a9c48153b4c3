/**
 * Record shapes of the trust domain (capability E: threshold key custody). Every record is stored as canonical
 * JSON; times are epoch milliseconds of the transaction that wrote them.
 */

import { canonicalJson } from './canonical';
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
  /** From the last `keyledger-software-attestation/v1` statement: what the module server runs and on which token. */
  readonly lastCodeDigest?: string;
  readonly lastConfigDigest?: string;
  readonly lastTokenSerial?: string;
  readonly lastTokenLabel?: string;
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
  /** The module server's TLS certificate (PEM as node:crypto re-exports it), so clients can pin it. */
  readonly tlsCertificatePem?: string;
  /** SHA-256 of the TLS certificate's DER, hex. */
  readonly tlsCertificateDigest?: string;
  readonly status: ModuleStatus;
  readonly quarantinedAt?: number;
  readonly quarantineEvidence?: string;
  readonly trust: TrustCounters;
  /** When a session this module coordinated last ran out unclosed: it is not drawn as coordinator for a while. */
  readonly coordinatorTimeoutAt?: number;
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
  readonly format?: AttestationFormat;
  readonly codeDigest?: string;
  readonly configDigest?: string;
  readonly tokenSerial?: string;
  readonly tokenLabel?: string;
  /** Attested fields that differ from the module's previous attestation. */
  readonly changed?: AttestedField[];
  readonly evidenceDigest?: string;
  readonly description?: string;
  readonly anomalyKind?: string;
  readonly severity?: number;
  readonly sessionId?: string;
  readonly ok?: boolean;
  readonly reason?: string;
}

/** The structured attestation statement of a software module server (nonce issued by the ledger). */
export const SOFTWARE_ATTESTATION_FORMAT = 'keyledger-software-attestation/v1';
export type AttestationFormat = typeof SOFTWARE_ATTESTATION_FORMAT;
/** Attested values whose change is reported in the attestation event (a new build, or a different token). */
export type AttestedField = 'codeDigest' | 'tokenSerial';

/** The nonce a module must sign next (one pending per module; a new issue replaces it). */
export interface PendingAttestationNonce {
  readonly moduleId: string;
  readonly nonce: string;
  readonly issuedAt: number;
  readonly txId: string;
}

export interface ThresholdPolicy {
  readonly keyId: string;
  readonly t: number;
  readonly n: number;
  readonly minTrust: number;
  /** When set, sessions draw only from modules attested at most this long ago (seconds). */
  readonly attestationMaxAgeSeconds?: number;
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
  /**
   * Public verification shares Y_i = g^{s_i} keyed by decimal share index (exactly the shareIndices), so a
   * signature-share or share check needs no recomputation from the commitments.
   */
  readonly verifyingShares?: Record<string, string>;
  /** SHA-256 of the canonical JSON of `verifyingShares`, hex. */
  readonly verifyingSharesDigest?: string;
  /** The epoch this one refreshes: same group key (commitments[0]), same t and shareIndices, new shares. */
  readonly refreshOf?: number;
  readonly dealer?: string;
  readonly publishedAt: number;
  readonly publishedBy: string;
  readonly txId: string;
}

export type SessionKind = 'reconstruct' | 'sign';
/** `expired`: nobody closed the session before `expiresAt`; set by `ExpireSession`. */
export type SessionOutcome = 'success' | 'failure' | 'expired';

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
  /** Eligible modules the coordinator reported as not answering in time (each got a `late` anomaly). */
  readonly late?: string[];
  readonly reason?: string;
  readonly closedAt?: number;
  readonly closedBy?: string;
}

export interface SessionResponse {
  readonly sessionId: string;
  readonly moduleId: string;
  readonly responseDigest: string;
  /** The module's signature over {@link sessionResponseMessage}, base64, when the coordinator relayed it. */
  readonly signature?: string;
  readonly recordedAt: number;
  readonly recordedBy: string;
  readonly txId: string;
}

/** A module's acknowledgement that it received and verified its share of one epoch. */
export interface ShareAcknowledgement {
  readonly keyId: string;
  readonly epoch: number;
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly at: number;
  readonly acknowledgedBy: string;
  readonly txId: string;
}

/** Who holds a share of an epoch and who has acknowledged it (`GetShareAcknowledgements`). */
export interface ShareAcknowledgements {
  readonly keyId: string;
  readonly epoch: number;
  /** Modules at the epoch's share indices (every registered module when it names none), sorted. */
  readonly expected: string[];
  readonly acknowledged: string[];
  readonly complete: boolean;
}

/**
 * The text a module signs to vouch for its response when the coordinator relays it in `CloseSession`: the
 * canonical JSON `{"moduleId":…,"responseDigest":…,"sessionId":…}`, signed over its UTF-8 bytes. Binding the
 * session id keeps a response from being replayed into another session.
 */
export function sessionResponseMessage(sessionId: string, moduleId: string, responseDigest: string): string {
  return canonicalJson({ moduleId, responseDigest, sessionId });
}
