import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  decodeJson,
  emitEvent,
  governanceConfigKey,
  KeyLedgerContext,
  KeyLedgerContract,
  memberKey,
  membersWithRole,
  ObjectType,
  parseId,
  parsePageSize,
  readGovernanceConfig,
  readHistory,
  readMember,
  requireAnyRole,
  requireRole,
  result,
  saveMember,
  writeJson,
} from '../../lib';
import {
  ConflictError,
  faultTolerance,
  ForbiddenError,
  identityRef,
  memberRef,
  NotFoundError,
  requiredApprovals,
} from '../../protocol';
import type { Member } from '../../protocol/governance';
import { changeSummary, planChange } from './changes';
import { isActiveWith, newMember, sortRoles } from './memberRecords';
import { callerSubject, isOrgAdmin } from './orgAdmin';
import { pageKeys } from './paging';
import { PROPOSAL_STATUS_INDEX, readProposal, saveProposal } from './proposals';
import { publicKeyFingerprint } from './publicKey';
import {
  nameSchema,
  parseBootstrapArgs,
  parseFingerprint,
  parseMspId,
  parseProposeArgs,
  parsePublicKey,
  parseQuorumRule,
  parseReason,
  parseRegisterArgs,
  parseRoleFilter,
  parseStatusFilter,
  parseUpdateArgs,
} from './schemas';
import { PROPOSAL_TTL_MILLIS, tally } from './tally';
import type {
  GovernanceConfigRecord,
  GovernanceProposal,
  MemberId,
  ProposalView,
  QuorumView,
  Tally,
  WhoAmIView,
} from '../../protocol/governance';

/**
 * Governance: who is who on the KeyLedger channel, and how the validators decide.
 *
 * - **Bootstrap** happens once, by an organisation admin (Fabric NodeOUs: certificate OU=admin) — in practice
 *   the deployer. It records the quorum rule and the first ledger admin (an argument, or the caller).
 * - **Members** are keyed by MSP id + SHA-256 certificate fingerprint and carry roles. Admins register,
 *   update and revoke them; a member publishes its own public key.
 * - **Genesis rule**: while no validator is active an admin may grant the validator role and set the quorum
 *   rule directly — someone has to seat the first validator. From the first validator on, the validator set
 *   and the quorum rule change only through governance proposals that a quorum of validators approves (see
 *   {@link requiredApprovals}); admins can no longer touch them, so no single party controls the quorum that
 *   approves key rotations.
 * - **Proposals** are applied in the transaction that reaches the quorum. Votes count only while the voter
 *   is an active validator. A proposal is rejected once the validators that could still approve are too few,
 *   and may be expired after {@link PROPOSAL_TTL_MILLIS} of transaction time.
 */
@Info({ title: 'Governance', description: 'KeyLedger members, roles, validator set and quorum rule' })
export class GovernanceContract extends KeyLedgerContract {
  constructor() {
    super('Governance');
  }

  // ---------------------------------------------------------------- bootstrap and members

  /** argsJson: `{ admin?: {mspId, fingerprint, name}, quorumRule?: {kind:'bft'} | {kind:'threshold', threshold} }` or ''. */
  @Transaction()
  @Returns('string')
  async Bootstrap(ctx: KeyLedgerContext, argsJson: string): Promise<string> {
    const subject = callerSubject(ctx);
    if (!isOrgAdmin(subject)) {
      throw new ForbiddenError(
        'Bootstrap needs an organisation admin certificate (OU=admin, Fabric NodeOUs)',
      );
    }
    const args = parseBootstrapArgs(argsJson);
    if ((await readGovernanceConfig(ctx)) !== undefined) {
      throw new ConflictError('governance is already bootstrapped');
    }
    const caller = ctx.caller;
    const fallbackName = nameSchema.safeParse(subject.commonName);
    const admin = args.admin ?? {
      ...identityRef(caller),
      name: fallbackName.success ? fallbackName.data : `${caller.mspId} admin`,
    };
    // nothing can register members before bootstrap; `previous` only keeps saveMember's role index exact
    const previous = await readMember(ctx, admin.mspId, admin.fingerprint);
    const member = newMember(admin, admin.name, ['admin'], undefined, ctx.now, memberRef(caller));
    const config: GovernanceConfigRecord = {
      quorumRule: args.quorumRule ?? { kind: 'bft' },
      bootstrappedAt: ctx.now,
      bootstrappedBy: memberRef(caller),
    };
    await writeJson(ctx, governanceConfigKey(ctx), config);
    await saveMember(ctx, previous, member);
    emitEvent(ctx, 'Bootstrapped', {
      admin: identityRef(member),
      roles: member.roles,
      quorumRule: config.quorumRule,
      bootstrappedBy: config.bootstrappedBy,
    });
    return result({ config, admin: member });
  }

  /** json: `{mspId, fingerprint, name, roles[], publicKey?}`. Admin. Returns the member. */
  @Transaction()
  @Returns('string')
  async RegisterMember(ctx: KeyLedgerContext, json: string): Promise<string> {
    const caller = await requireRole(ctx, 'admin');
    const input = parseRegisterArgs(json);
    const roles = sortRoles(input.roles);
    const previous = await readMember(ctx, input.mspId, input.fingerprint);
    if (previous?.status === 'active') {
      throw new ConflictError(`member ${memberRef(input)} is already registered; use UpdateMember`);
    }
    if (roles.includes('validator')) {
      await requireGenesis(ctx, 'granting the validator role', 'addValidator');
    }
    const member = newMember(input, input.name, roles, input.publicKey, ctx.now, memberRef(caller));
    await saveMember(ctx, previous, member);
    emitEvent(ctx, 'MemberRegistered', {
      ...identityRef(member),
      roles: member.roles,
      status: member.status,
      publicKeyFingerprint: fingerprintOf(member.publicKey),
      reregistered: previous !== undefined,
    });
    return result(member);
  }

  /** json: `{mspId, fingerprint, name?, roles?}` (roles replace the current ones). Admin. Returns the member. */
  @Transaction()
  @Returns('string')
  async UpdateMember(ctx: KeyLedgerContext, json: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const input = parseUpdateArgs(json);
    const previous = await mustReadActiveMember(ctx, input);
    const roles = input.roles === undefined ? previous.roles : sortRoles(input.roles);
    const wasValidator = previous.roles.includes('validator');
    if (wasValidator && !roles.includes('validator')) {
      throw validatorSetLocked('removing the validator role', 'removeValidator');
    }
    if (!wasValidator && roles.includes('validator')) {
      await requireGenesis(ctx, 'granting the validator role', 'addValidator');
    }
    if (previous.roles.includes('admin') && !roles.includes('admin')) {
      await requireAnotherAdmin(ctx, 'remove the admin role from');
    }
    const member: Member = { ...previous, name: input.name ?? previous.name, roles, updatedAt: ctx.now };
    await saveMember(ctx, previous, member);
    emitEvent(ctx, 'MemberUpdated', {
      ...identityRef(member),
      roles: member.roles,
      previousRoles: previous.roles,
      status: member.status,
    });
    return result(member);
  }

  /** The caller publishes its own public key (PEM SPKI or public JWK JSON). Any active member. */
  @Transaction()
  @Returns('string')
  async SetPublicKey(ctx: KeyLedgerContext, publicKey: string): Promise<string> {
    const previous = await ctx.member();
    if (previous?.status !== 'active') {
      throw new ForbiddenError('SetPublicKey needs an active ledger registration of the caller');
    }
    const key = parsePublicKey(publicKey);
    const member: Member = { ...previous, publicKey: key, updatedAt: ctx.now };
    await saveMember(ctx, previous, member);
    const fingerprint = publicKeyFingerprint(key);
    emitEvent(ctx, 'MemberPublicKeySet', { ...identityRef(member), publicKeyFingerprint: fingerprint });
    return result({ ...identityRef(member), publicKeyFingerprint: fingerprint, updatedAt: member.updatedAt });
  }

  /** Admin. Validators leave only by a removeValidator proposal; the last active admin cannot be revoked. */
  @Transaction()
  @Returns('string')
  async RevokeMember(
    ctx: KeyLedgerContext,
    mspId: string,
    fingerprint: string,
    reason: string,
  ): Promise<string> {
    await requireRole(ctx, 'admin');
    const id = { mspId: parseMspId(mspId), fingerprint: parseFingerprint(fingerprint) };
    const why = parseReason(reason);
    const previous = await mustReadActiveMember(ctx, id);
    if (previous.roles.includes('validator')) {
      throw validatorSetLocked('revoking a validator', 'removeValidator');
    }
    if (previous.roles.includes('admin')) {
      await requireAnotherAdmin(ctx, 'revoke');
    }
    const member: Member = {
      ...previous,
      status: 'revoked',
      revokedAt: ctx.now,
      revokedReason: why,
      updatedAt: ctx.now,
    };
    await saveMember(ctx, previous, member);
    emitEvent(ctx, 'MemberRevoked', { ...identityRef(member), roles: member.roles, status: member.status });
    return result(member);
  }

  /** ruleJson: `{kind:'bft'}` | `{kind:'threshold', threshold}`. Admin, and only while no validator exists. */
  @Transaction()
  @Returns('string')
  async SetQuorumRule(ctx: KeyLedgerContext, ruleJson: string): Promise<string> {
    const caller = await requireRole(ctx, 'admin');
    const rule = parseQuorumRule(ruleJson);
    const config = await mustReadConfig(ctx);
    await requireGenesis(ctx, 'changing the quorum rule', 'setQuorumRule');
    const next: GovernanceConfigRecord = {
      ...config,
      quorumRule: rule,
      ruleUpdatedAt: ctx.now,
      ruleUpdatedBy: memberRef(caller),
    };
    await writeJson(ctx, governanceConfigKey(ctx), next);
    emitEvent(ctx, 'QuorumRuleSet', { rule, previousRule: config.quorumRule });
    return result(next);
  }

  // ---------------------------------------------------------------- member queries

  @Transaction(false)
  @Returns('string')
  async GetMember(ctx: KeyLedgerContext, mspId: string, fingerprint: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = { mspId: parseMspId(mspId), fingerprint: parseFingerprint(fingerprint) };
    const member = await readMember(ctx, id.mspId, id.fingerprint);
    if (member === undefined) {
      throw new NotFoundError(`member ${memberRef(id)} not found`);
    }
    return result(member);
  }

  /** Any identity, even one without a role. */
  @Transaction(false)
  @Returns('string')
  async WhoAmI(ctx: KeyLedgerContext): Promise<string> {
    const { mspId, fingerprint, id } = ctx.caller;
    const view: WhoAmIView = {
      caller: { mspId, fingerprint, id },
      roles: sortRoles(await ctx.roles()),
      member: (await ctx.member()) ?? null,
    };
    return result(view);
  }

  /** role '' lists every registration (any status); a role lists its active holders. Returns `{items, bookmark}`. */
  @Transaction(false)
  @Returns('string')
  async ListMembers(
    ctx: KeyLedgerContext,
    role: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await requireAnyRole(ctx);
    const filter = parseRoleFilter(role);
    const size = parsePageSize(pageSize);
    if (filter === undefined) {
      const page = await pageKeys(ctx, ObjectType.member, [], size, bookmark);
      return result({
        items: page.items.map((entry) => decodeJson<Member>(entry.value)),
        bookmark: page.bookmark,
      });
    }
    const page = await pageKeys(ctx, ObjectType.memberRole, [filter], size, bookmark);
    const items: Member[] = [];
    for (const { attributes } of page.items) {
      const [, mspId = '', fingerprint = ''] = attributes;
      const member = await readMember(ctx, mspId, fingerprint);
      if (isActiveWith(member, filter) && member !== undefined) {
        items.push(member);
      }
    }
    return result({ items, bookmark: page.bookmark });
  }

  /** Returns `{validators: Member[]}`: every active validator, in key order. */
  @Transaction(false)
  @Returns('string')
  async ListValidators(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    return result({ validators: await membersWithRole(ctx, 'validator') });
  }

  /** Returns `{validators: n, faultTolerance: f, required, rule}`. */
  @Transaction(false)
  @Returns('string')
  async GetQuorum(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    const config = await mustReadConfig(ctx);
    const validators = (await membersWithRole(ctx, 'validator')).length;
    const view: QuorumView = {
      validators,
      faultTolerance: faultTolerance(validators),
      required: requiredApprovals(config.quorumRule, validators),
      rule: config.quorumRule,
    };
    return result(view);
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    return result(await mustReadConfig(ctx));
  }

  /** Every committed version of a member record, newest first: `{items: [{txId, timestamp, isDelete, value}]}`. */
  @Transaction(false)
  @Returns('string')
  async GetMemberHistory(ctx: KeyLedgerContext, mspId: string, fingerprint: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = { mspId: parseMspId(mspId), fingerprint: parseFingerprint(fingerprint) };
    const items = await readHistory<Member>(ctx, memberKey(ctx, id.mspId, id.fingerprint));
    if (items.length === 0) {
      throw new NotFoundError(`member ${memberRef(id)} not found`);
    }
    return result({ items });
  }

  // ---------------------------------------------------------------- governance proposals

  /** json: `{proposalId, change, reason}`. Validator; the proposer's approval counts. Returns the proposal view. */
  @Transaction()
  @Returns('string')
  async ProposeGovernanceChange(ctx: KeyLedgerContext, json: string): Promise<string> {
    const proposer = await requireRole(ctx, 'validator');
    const input = parseProposeArgs(json);
    if ((await readProposal(ctx, input.proposalId)) !== undefined) {
      throw new ConflictError(`governance proposal ${input.proposalId} already exists`);
    }
    const config = await mustReadConfig(ctx);
    const validators = await membersWithRole(ctx, 'validator');
    const plan = await planChange(ctx, input.change, validators, config, input.proposalId);
    const approvals = [{ ...identityRef(proposer), at: ctx.now }];
    const count = tally(config.quorumRule, validators, approvals, []);
    const open: GovernanceProposal = {
      proposalId: input.proposalId,
      change: input.change,
      reason: input.reason,
      proposer: identityRef(proposer),
      proposedAt: ctx.now,
      expiresAt: ctx.now + PROPOSAL_TTL_MILLIS,
      status: 'open',
      approvals,
      rejections: [],
    };
    if (count.reached) {
      const applied = close(ctx, open, 'applied', count);
      await plan.apply();
      await saveProposal(ctx, undefined, applied);
      emitEvent(ctx, 'GovernanceChangeApplied', eventFields(applied, count, plan.summary, proposer));
      return result(viewOf(applied));
    }
    await saveProposal(ctx, undefined, open);
    emitEvent(ctx, 'GovernanceChangeProposed', eventFields(open, count, plan.summary, proposer));
    return result(viewOf(open, count));
  }

  /**
   * Validator, once per proposal. Applies the change when this approval reaches the quorum. If the change no
   * longer fits the ledger at that point (e.g. its validator was removed meanwhile) the approval is refused
   * with ConflictError and the proposal stays open: reject it or let it expire.
   */
  @Transaction()
  @Returns('string')
  async ApproveGovernanceChange(ctx: KeyLedgerContext, proposalId: string): Promise<string> {
    const voter = await requireRole(ctx, 'validator');
    const id = parseId(proposalId, 'proposalId');
    const proposal = await mustReadOpenProposal(ctx, id, voter);
    const approvals = [...proposal.approvals, { ...identityRef(voter), at: ctx.now }];
    const config = await mustReadConfig(ctx);
    const validators = await membersWithRole(ctx, 'validator');
    const count = tally(config.quorumRule, validators, approvals, proposal.rejections);
    const approved: GovernanceProposal = { ...proposal, approvals };
    if (count.reached) {
      const plan = await planChange(ctx, proposal.change, validators, config, id);
      const applied = close(ctx, approved, 'applied', count);
      await plan.apply();
      await saveProposal(ctx, proposal, applied);
      emitEvent(ctx, 'GovernanceChangeApplied', eventFields(applied, count, plan.summary, voter));
      return result(viewOf(applied));
    }
    await saveProposal(ctx, proposal, approved);
    emitEvent(
      ctx,
      'GovernanceChangeApproved',
      eventFields(approved, count, changeSummary(proposal.change), voter),
    );
    return result(viewOf(approved, count));
  }

  /** Validator, once per proposal. The proposal becomes 'rejected' when the quorum can no longer be reached. */
  @Transaction()
  @Returns('string')
  async RejectGovernanceChange(ctx: KeyLedgerContext, proposalId: string, reason: string): Promise<string> {
    const voter = await requireRole(ctx, 'validator');
    const id = parseId(proposalId, 'proposalId');
    const why = parseReason(reason);
    const proposal = await mustReadOpenProposal(ctx, id, voter);
    const rejections = [...proposal.rejections, { ...identityRef(voter), at: ctx.now, reason: why }];
    const config = await mustReadConfig(ctx);
    const count = tally(
      config.quorumRule,
      await membersWithRole(ctx, 'validator'),
      proposal.approvals,
      rejections,
    );
    const voted: GovernanceProposal = { ...proposal, rejections };
    const next = count.impossible ? close(ctx, voted, 'rejected', count) : voted;
    await saveProposal(ctx, proposal, next);
    emitEvent(
      ctx,
      'GovernanceChangeRejected',
      eventFields(next, count, changeSummary(proposal.change), voter),
    );
    return result(count.impossible ? viewOf(next) : viewOf(next, count));
  }

  /** Validator or admin, once the proposal's seven days are over. */
  @Transaction()
  @Returns('string')
  async ExpireGovernanceChange(ctx: KeyLedgerContext, proposalId: string): Promise<string> {
    await requireRole(ctx, 'validator', 'admin');
    const id = parseId(proposalId, 'proposalId');
    const proposal = await mustReadProposal(ctx, id);
    if (proposal.status !== 'open') {
      throw new ConflictError(`governance proposal ${id} is ${proposal.status}, not open`);
    }
    if (ctx.now < proposal.expiresAt) {
      throw new ConflictError(`governance proposal ${id} is open until ${proposal.expiresAt} (epoch ms)`);
    }
    const expired: GovernanceProposal = {
      ...proposal,
      status: 'expired',
      closedAt: ctx.now,
      closedTxId: ctx.txId,
    };
    await saveProposal(ctx, proposal, expired);
    emitEvent(ctx, 'GovernanceChangeExpired', {
      proposalId: id,
      ...changeSummary(proposal.change),
      status: expired.status,
      expiresAt: proposal.expiresAt,
    });
    return result(viewOf(expired));
  }

  /** The proposal, with a live `tally` while it is open. */
  @Transaction(false)
  @Returns('string')
  async GetGovernanceProposal(ctx: KeyLedgerContext, proposalId: string): Promise<string> {
    await requireAnyRole(ctx);
    const proposal = await mustReadProposal(ctx, parseId(proposalId, 'proposalId'));
    return result((await withTallies(ctx, [proposal]))[0]);
  }

  /** status '' lists all (by id); otherwise one status. Returns `{items: ProposalView[], bookmark}`. */
  @Transaction(false)
  @Returns('string')
  async ListGovernanceProposals(
    ctx: KeyLedgerContext,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await requireAnyRole(ctx);
    const filter = parseStatusFilter(status);
    const size = parsePageSize(pageSize);
    const proposals: GovernanceProposal[] = [];
    let next: string;
    if (filter === undefined) {
      const page = await pageKeys(ctx, ObjectType.governanceProposal, [], size, bookmark);
      page.items.forEach((entry) => proposals.push(decodeJson<GovernanceProposal>(entry.value)));
      next = page.bookmark;
    } else {
      const page = await pageKeys(ctx, PROPOSAL_STATUS_INDEX, [filter], size, bookmark);
      for (const { attributes } of page.items) {
        const proposal = await readProposal(ctx, attributes[1] ?? '');
        if (proposal !== undefined) {
          proposals.push(proposal);
        }
      }
      next = page.bookmark;
    }
    return result({ items: await withTallies(ctx, proposals), bookmark: next });
  }
}

// -------------------------------------------------------------------- helpers (not transactions)

function fingerprintOf(publicKey: string | undefined): string | undefined {
  return publicKey === undefined ? undefined : publicKeyFingerprint(publicKey);
}

function validatorSetLocked(what: string, changeType: string): ConflictError {
  return new ConflictError(
    `${what} needs a governance proposal once validators exist: use ProposeGovernanceChange with change type ${changeType}`,
  );
}

/** The genesis rule: direct changes to the validator set or the quorum rule only while no validator is active. */
async function requireGenesis(ctx: KeyLedgerContext, what: string, changeType: string): Promise<void> {
  if ((await membersWithRole(ctx, 'validator')).length > 0) {
    throw validatorSetLocked(what, changeType);
  }
}

async function requireAnotherAdmin(ctx: KeyLedgerContext, action: string): Promise<void> {
  if ((await membersWithRole(ctx, 'admin')).length <= 1) {
    throw new ConflictError(`cannot ${action} the last active admin`);
  }
}

async function mustReadConfig(ctx: KeyLedgerContext): Promise<GovernanceConfigRecord> {
  const config = await readGovernanceConfig(ctx);
  if (config === undefined) {
    throw new NotFoundError('governance is not bootstrapped');
  }
  return config;
}

async function mustReadActiveMember(ctx: KeyLedgerContext, id: MemberId): Promise<Member> {
  const member = await readMember(ctx, id.mspId, id.fingerprint);
  if (member === undefined) {
    throw new NotFoundError(`member ${memberRef(id)} not found`);
  }
  if (member.status !== 'active') {
    throw new ConflictError(`member ${memberRef(id)} is revoked; register it again instead`);
  }
  return member;
}

async function mustReadProposal(ctx: KeyLedgerContext, id: string): Promise<GovernanceProposal> {
  const proposal = await readProposal(ctx, id);
  if (proposal === undefined) {
    throw new NotFoundError(`governance proposal ${id} not found`);
  }
  return proposal;
}

/** A proposal the voter may still vote on: open, not past its expiry, no earlier vote by the voter. */
async function mustReadOpenProposal(
  ctx: KeyLedgerContext,
  id: string,
  voter: MemberId,
): Promise<GovernanceProposal> {
  const proposal = await mustReadProposal(ctx, id);
  if (proposal.status !== 'open') {
    throw new ConflictError(`governance proposal ${id} is ${proposal.status}, not open`);
  }
  if (ctx.now >= proposal.expiresAt) {
    throw new ConflictError(`governance proposal ${id} expired at ${proposal.expiresAt} (epoch ms)`);
  }
  const ref = memberRef(voter);
  if (proposal.approvals.some((vote) => memberRef(vote) === ref)) {
    throw new ConflictError(`${memberRef(voter)} has already approved governance proposal ${id}`);
  }
  if (proposal.rejections.some((vote) => memberRef(vote) === ref)) {
    throw new ConflictError(`${memberRef(voter)} has already rejected governance proposal ${id}`);
  }
  return proposal;
}

function close(
  ctx: KeyLedgerContext,
  proposal: GovernanceProposal,
  status: 'applied' | 'rejected',
  count: Tally,
): GovernanceProposal {
  return {
    ...proposal,
    status,
    closedAt: ctx.now,
    closedTxId: ctx.txId,
    outcome: { validators: count.validators, approvals: count.approvals, required: count.required },
  };
}

function viewOf(proposal: GovernanceProposal, count?: Tally): ProposalView {
  return count === undefined ? proposal : { ...proposal, tally: count };
}

function eventFields(
  proposal: GovernanceProposal,
  count: Tally,
  summary: Record<string, unknown>,
  actor: MemberId,
): Record<string, unknown> {
  return {
    proposalId: proposal.proposalId,
    ...summary,
    status: proposal.status,
    approvals: count.approvals,
    rejections: count.rejections,
    required: count.required,
    validators: count.validators,
    by: identityRef(actor),
  };
}

/** Adds the live tally to open proposals (one read of the validator set for all of them). */
async function withTallies(ctx: KeyLedgerContext, proposals: GovernanceProposal[]): Promise<ProposalView[]> {
  if (!proposals.some((proposal) => proposal.status === 'open')) {
    return proposals;
  }
  const config = await mustReadConfig(ctx);
  const validators = await membersWithRole(ctx, 'validator');
  return proposals.map((proposal) =>
    proposal.status === 'open'
      ? viewOf(proposal, tally(config.quorumRule, validators, proposal.approvals, proposal.rejections))
      : proposal,
  );
}
