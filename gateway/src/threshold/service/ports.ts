import type { threshold } from '@keyledger/chaincode/protocol';
import type {
  LedgerCommitments,
  LedgerSession,
  PeerCallOptions,
  ShareAcknowledgements,
} from '../protocol/ports';

export type { LedgerCommitments, LedgerSession, ShareAcknowledgements };

export interface ModuleSummary {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly status: threshold.ModuleStatus;
  readonly score: number;
  readonly endpoint?: string;
  readonly tlsCertificatePem?: string;
}

export interface PublishCommitmentsInput {
  readonly keyId: string;
  readonly epoch: number;
  readonly curve: 'ed25519';
  readonly commitments: readonly string[];
  readonly shareIndices: readonly number[];
  readonly verifyingShares: Readonly<Record<string, string>>;
  readonly refreshOf?: number;
  readonly dealer?: string;
}

export interface OpenSessionInput {
  readonly sessionId: string;
  readonly keyId: string;
  readonly kind: 'sign' | 'reconstruct';
  readonly messageDigest?: string;
  readonly purpose: string;
  readonly ttlSeconds?: number;
}

/** What the orchestrator side needs of the TrustDomain contract, acting as the caller. */
export interface OrchestratorLedger {
  policy(keyId: string): Promise<threshold.ThresholdPolicy | undefined>;
  modules(minScore: number): Promise<readonly ModuleSummary[]>;
  module(moduleId: string): Promise<ModuleSummary | undefined>;
  latestCommitments(keyId: string): Promise<LedgerCommitments | undefined>;
  publishCommitments(input: PublishCommitmentsInput): Promise<unknown>;
  shareAcknowledgements(keyId: string, epoch: number): Promise<ShareAcknowledgements>;
  openSession(input: OpenSessionInput): Promise<threshold.ThresholdSession>;
  session(sessionId: string): Promise<LedgerSession>;
  expireSession(sessionId: string): Promise<unknown>;
  reportAnomaly(input: {
    moduleId: string;
    kind: string;
    severity: number;
    evidenceDigest?: string;
  }): Promise<unknown>;
}

/** A module as the orchestrator calls it (mutual TLS, pinned to the certificate the ledger registered). */
export interface ModuleCaller {
  call<T>(
    moduleId: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options?: PeerCallOptions,
  ): Promise<T>;
}
