import type { threshold } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';

/** A session as GetSession reports it. */
export type LedgerSession = threshold.ThresholdSession & { readonly expired: boolean };

/** A commitment set as GetCommitments reports it (with the per-share verifying keys of this design). */
export type LedgerCommitments = threshold.CommitmentSet & {
  readonly verifyingShares?: Readonly<Record<string, string>>;
  readonly refreshOf?: number;
};

export interface ShareAcknowledgements {
  readonly keyId: string;
  readonly epoch: number;
  readonly expected: readonly string[];
  readonly acknowledged: readonly string[];
  readonly complete: boolean;
}

export interface CloseSessionInput {
  readonly sessionId: string;
  readonly outcome: 'success' | 'failure';
  readonly cheaters: readonly string[];
  readonly late?: readonly string[];
  readonly reason: string;
  readonly responses?: readonly { moduleId: string; responseDigest: string; signature: string }[];
}

/** What the module protocol needs of the TrustDomain contract, acting as this module's identity. */
export interface ProtocolLedger {
  session(sessionId: string): Promise<LedgerSession>;
  commitments(keyId: string, epoch?: number): Promise<LedgerCommitments>;
  acknowledgeShare(input: { keyId: string; epoch: number; moduleId: string }): Promise<unknown>;
  shareAcknowledgements(keyId: string, epoch: number): Promise<ShareAcknowledgements>;
  closeSession(input: CloseSessionInput): Promise<unknown>;
}

/** Shares sealed in the module's token. */
export interface ProtocolShares {
  seal(keyId: string, epoch: number, share: Uint8Array, meta: Record<string, unknown>): void;
  /** The share in the clear: the caller wipes it. */
  open(keyId: string, epoch: number): Buffer;
  has(keyId: string, epoch: number): boolean;
  list(): readonly { keyId: string; epoch: number }[];
  remove(keyId: string, epoch: number): void;
}

export interface PeerCallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface ProtocolPeer {
  readonly moduleId: string;
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown, options?: PeerCallOptions): Promise<T>;
}

export type Misbehaviour = 'bad-signature-share' | 'bad-secret-share' | 'late' | 'old-epoch-share';

/** Everything the protocol runs on inside one module process. */
export interface ProtocolContext {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly ledger: ProtocolLedger;
  readonly shares: ProtocolShares;
  readonly identity: { sign(data: Uint8Array): Buffer };
  readonly peers: { client(moduleId: string): Promise<ProtocolPeer> };
  readonly faults: { readonly misbehave: ReadonlySet<Misbehaviour> };
  readonly logger: Logger;
}
