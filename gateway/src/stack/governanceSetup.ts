import { randomBytes } from 'node:crypto';
import { LedgerError } from '../fabric/errors';
import type { RotationLedger } from '../rotation';

/** A ledger identity to be given a role. */
export interface MemberSpec {
  readonly name: string;
  readonly mspId: string;
  readonly fingerprint: string;
}

interface ProposalView {
  readonly status: string;
}

interface MemberView {
  readonly roles: string[];
  readonly status: string;
}

async function memberOf(admin: RotationLedger, who: MemberSpec): Promise<MemberView | undefined> {
  try {
    return await admin.governance.evaluate<MemberView>('GetMember', who.mspId, who.fingerprint);
  } catch (error) {
    if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
      return undefined;
    }
    throw error;
  }
}

async function isMember(admin: RotationLedger, who: MemberSpec, role: string): Promise<boolean> {
  const member = await memberOf(admin, who);
  return member?.status === 'active' && member.roles.includes(role);
}

/** Bootstraps governance with `admin` as first admin unless it already is one. Idempotent. */
export async function ensureBootstrapped(admin: RotationLedger): Promise<'bootstrapped' | 'existing'> {
  const who = await admin.whoAmI();
  if (who.roles.includes('admin')) {
    return 'existing';
  }
  await admin.governance.submit('Bootstrap', '');
  return 'bootstrapped';
}

/**
 * Seats validators the way governance allows: the admin grants the first one directly (the genesis rule);
 * every further one is proposed by a seated validator and approved by the others until quorum. Validators
 * already seated are skipped, so this is safe to run on every start.
 */
export async function ensureValidators(
  admin: RotationLedger,
  validators: readonly MemberSpec[],
  ledgerOf: (member: MemberSpec) => RotationLedger,
): Promise<void> {
  const seated: MemberSpec[] = [];
  for (const validator of validators) {
    if (await isMember(admin, validator, 'validator')) {
      seated.push(validator);
    }
  }
  for (const next of validators) {
    if (seated.includes(next)) {
      continue;
    }
    if ((await admin.listValidators()).length === 0) {
      await admin.governance.submit(
        'RegisterMember',
        JSON.stringify({
          mspId: next.mspId,
          fingerprint: next.fingerprint,
          name: next.name,
          roles: ['validator'],
        }),
      );
      seated.push(next);
      continue;
    }
    const [proposer, ...approvers] = seated.map(ledgerOf);
    if (!proposer) {
      throw new Error('validators exist on the ledger but none of them is one of ours: cannot propose');
    }
    const proposalId = `seat-${next.name}-${randomBytes(4).toString('hex')}`;
    let view = await proposer.governance.submit<ProposalView>(
      'ProposeGovernanceChange',
      JSON.stringify({
        proposalId,
        change: {
          type: 'addValidator',
          member: { mspId: next.mspId, fingerprint: next.fingerprint, name: next.name },
        },
        reason: `seat ${next.name}`,
      }),
    );
    for (const approver of approvers) {
      if (view.status === 'applied') {
        break;
      }
      view = await approver.governance.submit<ProposalView>('ApproveGovernanceChange', proposalId);
    }
    if (view.status !== 'applied') {
      throw new Error(`seating validator ${next.name} did not reach quorum (status ${view.status})`);
    }
    seated.push(next);
  }
}

/**
 * Gives members a role unless they hold it already: a new registration, or the role added to an active member
 * (on a test network one identity may be both the bootstrap admin and a front-end).
 */
export async function ensureMembers(
  admin: RotationLedger,
  members: readonly MemberSpec[],
  role: string,
): Promise<void> {
  for (const member of members) {
    const current = await memberOf(admin, member);
    if (current?.status === 'active') {
      if (!current.roles.includes(role)) {
        await admin.governance.submit(
          'UpdateMember',
          JSON.stringify({
            mspId: member.mspId,
            fingerprint: member.fingerprint,
            roles: [...current.roles, role],
          }),
        );
      }
      continue;
    }
    await admin.governance.submit(
      'RegisterMember',
      JSON.stringify({
        mspId: member.mspId,
        fingerprint: member.fingerprint,
        name: member.name,
        roles: [role],
      }),
    );
  }
}
