import type { rotation } from '@keyledger/chaincode';

/** A member as governance keys it. */
export interface MemberRef {
  readonly mspId: string;
  readonly fingerprint: string;
}

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
  decrypt(queueId: string, envelope: Uint8Array): Promise<Uint8Array>;
  /** The key versions this node holds for a queue (never key bytes). */
  keyVersions(queueId: string): LocalKeyVersion[];
}
