import { GOVERNANCE, type governance, type Member, type Role } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';

/** A member as governance keys it. */
export interface MemberRef {
  readonly mspId: string;
  readonly fingerprint: string;
}

/** What RegisterMember takes. */
export interface MemberRegistration extends MemberRef {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly publicKey?: string;
}

interface MembersPage {
  readonly items: Member[];
  readonly bookmark: string;
}

/** Typed calls of the Governance contract. */
export class GovernanceLedger {
  readonly #contract: ContractClient<typeof GOVERNANCE>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, GOVERNANCE);
  }

  whoAmI(): Promise<governance.WhoAmIView> {
    return this.#contract.evaluate('WhoAmI');
  }

  /** The member, or undefined when governance does not know the identity. */
  async getMember(member: MemberRef): Promise<Member | undefined> {
    try {
      return await this.#contract.evaluate<Member>('GetMember', member.mspId, member.fingerprint);
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  async listValidators(): Promise<Member[]> {
    return (await this.#contract.evaluate<{ validators: Member[] }>('ListValidators')).validators;
  }

  getQuorum(): Promise<governance.QuorumView> {
    return this.#contract.evaluate('GetQuorum');
  }

  /** Every active holder of a role, across pages. */
  async listMembers(role: Role): Promise<Member[]> {
    const members: Member[] = [];
    let bookmark = '';
    for (;;) {
      const page = await this.#contract.evaluate<MembersPage>('ListMembers', role, '500', bookmark);
      members.push(...page.items);
      if (page.bookmark === '' || page.items.length === 0) {
        return members;
      }
      bookmark = page.bookmark;
    }
  }

  getGovernanceProposal(proposalId: string): Promise<governance.ProposalView> {
    return this.#contract.evaluate('GetGovernanceProposal', proposalId);
  }

  /** Makes the caller the first admin of a new governance (an empty argument: no quorum rule given). */
  bootstrap(): Promise<unknown> {
    return this.#contract.submit('Bootstrap', '');
  }

  registerMember(member: MemberRegistration): Promise<Member> {
    return this.#contract.submit('RegisterMember', JSON.stringify(member));
  }

  updateMember(member: MemberRef & { readonly roles: readonly Role[] }): Promise<Member> {
    return this.#contract.submit('UpdateMember', JSON.stringify(member));
  }

  /** Publishes the caller's own public key (a front-end's key-wrapping key, a provider's key, …). */
  setPublicKey(publicKeyPem: string): Promise<unknown> {
    return this.#contract.submit('SetPublicKey', publicKeyPem);
  }

  proposeChange(input: {
    readonly proposalId: string;
    readonly change: governance.GovernanceChange;
    readonly reason: string;
  }): Promise<governance.ProposalView> {
    return this.#contract.submit('ProposeGovernanceChange', JSON.stringify(input));
  }

  approveChange(proposalId: string): Promise<governance.ProposalView> {
    return this.#contract.submit('ApproveGovernanceChange', proposalId);
  }
}
