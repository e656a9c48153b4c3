import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Signer } from '@hyperledger/fabric-gateway';
import { LedgerClient, LedgerError, type FabricConnection } from '../fabric';
import type {
  ActiveKey,
  CommittedRotationView,
  KeyPolicy,
  LedgerMember,
  MemberRef,
  QuorumView,
  QueueSummary,
  RotationDue,
  RotationProposal,
  WrappedKeyView,
} from './types';
import { certificateFingerprint } from '../fabric/identity';

/** `mspId/fingerprint`, the member reference format of the chaincode. */
export function refOf(member: MemberRef): string {
  return `${member.mspId}/${member.fingerprint}`;
}

/** Hex SHA-256 of a certificate's DER: how governance keys an identity. */
export { certificateFingerprint } from '../fabric/identity';

/** A ledger identity: certificate plus a signer for its key (PEM file or HSM). */
export interface LedgerIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly fingerprint: string;
  /** Signs a SHA-256 digest (fabric-gateway's Signer contract). */
  readonly signer: Signer;
}

export function identityFromCertificate(mspId: string, certPath: string, signer: Signer): LedgerIdentity {
  const certificatePem = readFileSync(certPath, 'utf8');
  return { mspId, certificatePem, fingerprint: certificateFingerprint(certificatePem), signer };
}

/**
 * ECDSA-SHA256 signature over `payload` with the identity's key: SHA-256 is computed here and the signer
 * signs the digest, which is what `verify('sha256', payload, …)` checks on chain.
 */
export async function signPayload(signer: Signer, payload: Uint8Array): Promise<Uint8Array> {
  return signer(createHash('sha256').update(payload).digest());
}

interface MembersPage {
  readonly items: LedgerMember[];
  readonly bookmark: string;
}

/** Typed calls of the KeyRotation and Governance contracts that agents and front-ends make. */
export class RotationLedger {
  readonly rotation: LedgerClient;
  readonly governance: LedgerClient;

  constructor(connection: FabricConnection) {
    this.rotation = new LedgerClient(connection.contract('KeyRotation'));
    this.governance = new LedgerClient(connection.contract('Governance'));
  }

  // ------------------------------------------------------------------ governance

  whoAmI(): Promise<{ caller: MemberRef; roles: string[]; member: LedgerMember | null }> {
    return this.governance.evaluate('WhoAmI');
  }

  async listValidators(): Promise<LedgerMember[]> {
    return (await this.governance.evaluate<{ validators: LedgerMember[] }>('ListValidators')).validators;
  }

  getQuorum(): Promise<QuorumView> {
    return this.governance.evaluate('GetQuorum');
  }

  /** Every active holder of a role, across pages. */
  async listMembers(role: string): Promise<LedgerMember[]> {
    const members: LedgerMember[] = [];
    let bookmark = '';
    for (;;) {
      const page = await this.governance.evaluate<MembersPage>('ListMembers', role, '500', bookmark);
      members.push(...page.items);
      if (page.bookmark === '' || page.items.length === 0) {
        return members;
      }
      bookmark = page.bookmark;
    }
  }

  setPublicKey(publicKeyPem: string): Promise<unknown> {
    return this.governance.submit('SetPublicKey', publicKeyPem);
  }

  // ------------------------------------------------------------------ rotation queries

  listQueues(): Promise<QueueSummary[]> {
    return this.rotation.evaluate('ListQueues');
  }

  getKeyPolicy(queueId: string): Promise<KeyPolicy> {
    return this.rotation.evaluate('GetKeyPolicy', queueId);
  }

  isRotationDue(queueId: string): Promise<RotationDue> {
    return this.rotation.evaluate('IsRotationDue', queueId);
  }

  getPendingRotation(queueId: string): Promise<RotationProposal | null> {
    return this.rotation.evaluate('GetPendingRotation', queueId);
  }

  getRotation(proposalId: string): Promise<RotationProposal> {
    return this.rotation.evaluate('GetRotation', proposalId);
  }

  /** The active key version, or undefined while the queue has none. */
  async getActiveKey(queueId: string): Promise<ActiveKey | undefined> {
    try {
      return await this.rotation.evaluate<ActiveKey>('GetActiveKey', queueId);
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  getRotationsSince(queueId: string, version: number): Promise<CommittedRotationView[]> {
    return this.rotation.evaluate('GetRotationsSince', queueId, String(version));
  }

  getWrappedKey(queueId: string, version: number): Promise<WrappedKeyView> {
    return this.rotation.evaluate('GetWrappedKey', queueId, String(version));
  }

  // ------------------------------------------------------------------ rotation transactions

  proposeRotation(input: ProposeRotationInput): Promise<RotationProposal> {
    return this.rotation.submit('ProposeRotation', JSON.stringify(input));
  }

  approveRotation(proposalId: string, signatureBase64: string): Promise<RotationProposal> {
    return this.rotation.submit('ApproveRotation', proposalId, signatureBase64);
  }

  rejectRotation(proposalId: string, reason: string): Promise<RotationProposal> {
    return this.rotation.submit('RejectRotation', proposalId, reason);
  }

  expireRotation(proposalId: string): Promise<RotationProposal> {
    return this.rotation.submit('ExpireRotation', proposalId);
  }

  reportCompromise(queueId: string, version: number, reason: string): Promise<unknown> {
    return this.rotation.submit('ReportCompromise', JSON.stringify({ queueId, version, reason }));
  }

  reportMessageVolume(report: {
    queueId: string;
    version: number;
    count: number;
    windowStart: number;
    windowEnd: number;
  }): Promise<unknown> {
    return this.rotation.submit('ReportMessageVolume', JSON.stringify(report));
  }
}

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
  readonly reason: 'schedule' | 'volume' | 'compromise' | 'manual';
  readonly signature?: string;
}
