import type { Logger } from 'pino';
import type { ThresholdLedger } from '../ledger';
import type { ShareStore } from './shareStore';

/** The module's identity key (P-256, in its token): attestations and protocol answers are signed with it. */
export interface ModuleIdentity {
  /** SPKI PEM, as registered on the ledger. */
  readonly publicKeyPem: string;
  /** ECDSA P-256 over SHA-256(data), DER, low-S; made in the token. */
  sign(data: Uint8Array): Buffer;
}

/** A security module over mutual TLS (see `openModuleClient`); errors are `ModuleCallError`. */
export interface ModulePeerClient {
  readonly moduleId: string;
  call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<T>;
  close(): Promise<void>;
}

/** The other modules, found on the ledger and called with this module's member certificate. */
export interface PeerDirectory {
  client(moduleId: string): Promise<ModulePeerClient>;
}

/** The ways a module started with fault injection may misbehave (tests and demonstrations of cheater detection). */
export const MISBEHAVIOURS = ['bad-signature-share', 'bad-secret-share', 'late', 'old-epoch-share'] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export interface ModuleFaults {
  readonly misbehave: ReadonlySet<Misbehaviour>;
}

/** What the threshold protocol routes of a module server are given. */
export interface ModuleContext {
  readonly moduleId: string;
  readonly shareIndex: number;
  /** The TrustDomain contract, acting as this module's ledger identity. */
  readonly ledger: ThresholdLedger;
  readonly shares: ShareStore;
  readonly identity: ModuleIdentity;
  readonly peers: PeerDirectory;
  readonly faults: ModuleFaults;
  readonly logger: Logger;
}
