import { randomBytes } from 'node:crypto';
import type { Role } from '@keyledger/chaincode/protocol';
import type { GovernanceLedger, MemberRef } from './ledger';

/** A ledger identity to be given a role. */
export interface MemberSpec extends MemberRef {
  readonly name: string;
}

async function isMember(admin: GovernanceLedger, who: MemberSpec, role: Role): Promise<boolean> {
  const member = await admin.getMember(who);
  return member?.status === 'active' && member.roles.includes(role);
}

/** Bootstraps governance with `admin` as first admin unless it already is one. Idempotent. */
export async function ensureBootstrapped(admin: GovernanceLedger): Promise<'bootstrapped' | 'existing'> {
  const who = await admin.whoAmI();
  if (who.roles.includes('admin')) {
    return 'existing';
  }
  await admin.bootstrap();
  return 'bootstrapped';
}

/**
 * Seats validators the way governance allows: the admin grants the first one directly (the genesis rule);
 * every further one is proposed by a seated validator and approved by the others until quorum. Validators
 * already seated are skipped, so this is safe to run on every start.
 */
export async function ensureValidators(
  admin: GovernanceLedger,
  validators: readonly MemberSpec[],
  ledgerOf: (member: MemberSpec) => GovernanceLedger,
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
      await admin.registerMember({ ...refOf(next), name: next.name, roles: ['validator'] });
      seated.push(next);
      continue;
    }
    const [proposer, ...approvers] = seated.map(ledgerOf);
    if (!proposer) {
      throw new Error('validators exist on the ledger but none of them is one of ours: cannot propose');
    }
    const proposalId = `seat-${next.name}-${randomBytes(4).toString('hex')}`;
    let view = await proposer.proposeChange({
      proposalId,
      change: { type: 'addValidator', member: { ...refOf(next), name: next.name } },
      reason: `seat ${next.name}`,
    });
    for (const approver of approvers) {
      if (view.status === 'applied') {
        break;
      }
      view = await approver.approveChange(proposalId);
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
  admin: GovernanceLedger,
  members: readonly MemberSpec[],
  role: Role,
): Promise<void> {
  for (const member of members) {
    const current = await admin.getMember(member);
    if (current?.status === 'active') {
      if (!current.roles.includes(role)) {
        await admin.updateMember({ ...refOf(member), roles: [...current.roles, role] });
      }
      continue;
    }
    await admin.registerMember({ ...refOf(member), name: member.name, roles: [role] });
  }
}

function refOf(member: MemberRef): MemberRef {
  return { mspId: member.mspId, fingerprint: member.fingerprint };
}
