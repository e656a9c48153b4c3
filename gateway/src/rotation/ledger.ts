import { ROTATION, type rotation } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';
import type {
  ActiveKey,
  CommittedRotationView,
  KeyPolicy,
  PendingRotationSummary,
  QueueSummary,
  RotationDue,
  RotationProposal,
  WrappedKeyView,
} from './types';

/** What SetKeyPolicy takes: the policy fields, queue id included. */
export type KeyPolicyInput = Pick<KeyPolicy, 'queueId' | 'rotationIntervalMs' | 'maxMessages' | 'algorithm'> &
  Partial<Pick<KeyPolicy, 'proposalTtlMs' | 'retentionVersions' | 'retentionMs' | 'minRotationIntervalMs'>>;

export interface ProposeRotationInput {
  readonly queueId: string;
  readonly version: number;
  readonly keyId: string;
  readonly keyCheckValue: string;
  readonly wrappedKeys: {
    readonly mspId: string;
    readonly fingerprint: string;
    readonly wrappedKey: string;
    readonly ephemeralPublicKey?: string;
  }[];
  readonly notBefore: number;
  readonly reason: rotation.RotationReason;
  readonly signature?: string;
}

export interface VolumeReportInput {
  readonly queueId: string;
  readonly version: number;
  readonly count: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

/** The entries of `KeyRotation:GetKeyHistory`: every committed change of a queue's state. */
export interface QueueStateHistory {
  readonly entries?: unknown[];
}

/** Typed calls of the KeyRotation contract. */
export class RotationLedger {
  readonly #contract: ContractClient<typeof ROTATION>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, ROTATION);
  }

  // ------------------------------------------------------------------ queries

  async listQueues(): Promise<QueueSummary[]> {
    return (await this.#contract.evaluate<QueueSummary[] | undefined>('ListQueues')) ?? [];
  }

  getKeyPolicy(queueId: string): Promise<KeyPolicy> {
    return this.#contract.evaluate('GetKeyPolicy', queueId);
  }

  isRotationDue(queueId: string): Promise<RotationDue> {
    return this.#contract.evaluate('IsRotationDue', queueId);
  }

  async getPendingRotation(queueId: string): Promise<RotationProposal | null> {
    return (
      (await this.#contract.evaluate<RotationProposal | null | undefined>('GetPendingRotation', queueId)) ??
      null
    );
  }

  async listPendingRotations(): Promise<PendingRotationSummary[]> {
    return (
      (await this.#contract.evaluate<PendingRotationSummary[] | undefined>('ListPendingRotations')) ?? []
    );
  }

  getRotation(proposalId: string): Promise<RotationProposal> {
    return this.#contract.evaluate('GetRotation', proposalId);
  }

  /** The active key version, or undefined while the queue has none. */
  async getActiveKey(queueId: string): Promise<ActiveKey | undefined> {
    try {
      return await this.#contract.evaluate<ActiveKey>('GetActiveKey', queueId);
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  async getRotationsSince(queueId: string, version: number): Promise<CommittedRotationView[]> {
    return (
      (await this.#contract.evaluate<CommittedRotationView[] | undefined>(
        'GetRotationsSince',
        queueId,
        String(version),
      )) ?? []
    );
  }

  getWrappedKey(queueId: string, version: number): Promise<WrappedKeyView> {
    return this.#contract.evaluate('GetWrappedKey', queueId, String(version));
  }

  async getKeyHistory(queueId: string): Promise<unknown[]> {
    return (
      (await this.#contract.evaluate<QueueStateHistory | undefined>('GetKeyHistory', queueId))?.entries ?? []
    );
  }

  // ------------------------------------------------------------------ transactions

  setKeyPolicy(input: KeyPolicyInput): Promise<rotation.KeyPolicyResult> {
    return this.#contract.submit('SetKeyPolicy', JSON.stringify(input));
  }

  proposeRotation(input: ProposeRotationInput): Promise<RotationProposal> {
    return this.#contract.submit('ProposeRotation', JSON.stringify(input));
  }

  approveRotation(proposalId: string, signatureBase64: string): Promise<RotationProposal> {
    return this.#contract.submit('ApproveRotation', proposalId, signatureBase64);
  }

  rejectRotation(proposalId: string, reason: string): Promise<RotationProposal> {
    return this.#contract.submit('RejectRotation', proposalId, reason);
  }

  expireRotation(proposalId: string): Promise<RotationProposal> {
    return this.#contract.submit('ExpireRotation', proposalId);
  }

  reportCompromise(queueId: string, version: number, reason: string): Promise<unknown> {
    return this.#contract.submit('ReportCompromise', JSON.stringify({ queueId, version, reason }));
  }

  reportMessageVolume(report: VolumeReportInput): Promise<unknown> {
    return this.#contract.submit('ReportMessageVolume', JSON.stringify(report));
  }
}
