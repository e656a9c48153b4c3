import type { IdentityRef } from './identity';
import type { QuorumRule } from './quorum';
import type { Role } from './roles';

/** A ledger identity bound to roles by governance. */
export interface Member {
  readonly mspId: string;
  readonly fingerprint: string;
  readonly name: string;
  readonly roles: Role[];
  readonly status: 'active' | 'revoked';
  /** Optional public key (PEM or JWK JSON) an agent publishes, e.g. a front-end's key-wrapping key. */
  readonly publicKey?: string;
  readonly registeredAt: number;
  readonly registeredBy: string;
  readonly updatedAt: number;
  readonly revokedAt?: number;
  readonly revokedReason?: string;
}

export interface GovernanceConfig {
  readonly quorumRule: QuorumRule;
  readonly bootstrappedAt: number;
  readonly bootstrappedBy: string;
}

/** An identity as governance keys it. */
export type MemberId = IdentityRef;

/** The stored governance configuration: the shared {@link GovernanceConfig} plus who last changed the rule. */
export interface GovernanceConfigRecord extends GovernanceConfig {
  readonly ruleUpdatedAt?: number;
  /** `msp/fingerprint` of the admin (genesis) or `proposal:<id>` (governance proposal). */
  readonly ruleUpdatedBy?: string;
}

export interface AddValidatorChange {
  readonly type: 'addValidator';
  readonly member: MemberId & { readonly name: string; readonly publicKey?: string };
}

export interface RemoveValidatorChange extends MemberId {
  readonly type: 'removeValidator';
}

export interface SetQuorumRuleChange {
  readonly type: 'setQuorumRule';
  readonly rule: QuorumRule;
}

/** A change to the validator set or the quorum rule: the only kinds that need a validator quorum. */
export type GovernanceChange = AddValidatorChange | RemoveValidatorChange | SetQuorumRuleChange;

export const PROPOSAL_STATUSES = ['open', 'applied', 'rejected', 'expired'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface Vote extends MemberId {
  readonly at: number;
}

export interface Rejection extends Vote {
  readonly reason: string;
}

/** Counts at the moment a proposal was closed (applied or rejected); validators change afterwards. */
export interface Outcome {
  readonly validators: number;
  readonly approvals: number;
  readonly required: number;
}

export interface GovernanceProposal {
  readonly proposalId: string;
  readonly change: GovernanceChange;
  readonly reason: string;
  readonly proposer: MemberId;
  readonly proposedAt: number;
  readonly expiresAt: number;
  readonly status: ProposalStatus;
  readonly approvals: Vote[];
  readonly rejections: Rejection[];
  readonly closedAt?: number;
  readonly closedTxId?: string;
  readonly outcome?: Outcome;
}

/** Live count of an open proposal against the current validator set. */
export interface Tally {
  /** Active validators now (n). */
  readonly validators: number;
  /** f = ⌊(n−1)/3⌋. */
  readonly faultTolerance: number;
  readonly required: number;
  /** Approvals by validators that are still active. */
  readonly approvals: number;
  readonly rejections: number;
  /** Active validators that have not voted yet. */
  readonly pending: number;
  readonly reached: boolean;
  /** true when even all pending validators approving could not reach `required`. */
  readonly impossible: boolean;
}

export interface ProposalView extends GovernanceProposal {
  /** Present while the proposal is open. */
  readonly tally?: Tally;
}

export interface QuorumView {
  readonly validators: number;
  readonly faultTolerance: number;
  readonly required: number;
  readonly rule: QuorumRule;
}

export interface WhoAmIView {
  readonly caller: { readonly mspId: string; readonly fingerprint: string; readonly id: string };
  readonly roles: Role[];
  readonly member: Member | null;
}
