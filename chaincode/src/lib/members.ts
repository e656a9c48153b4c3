import type { Context } from 'fabric-contract-api';
import { compositeKey, ObjectType } from './keys';
import { readJson, writeJson, decodeJson, syncIndex } from './state';
import type { GovernanceConfig, Member } from '../protocol/governance';
import type { Role } from '../protocol/roles';

export function memberKey(ctx: Context, mspId: string, fingerprint: string): string {
  return compositeKey(ctx, ObjectType.member, mspId, fingerprint);
}

export function governanceConfigKey(ctx: Context): string {
  return compositeKey(ctx, ObjectType.governanceConfig, 'config');
}

export async function readMember(
  ctx: Context,
  mspId: string,
  fingerprint: string,
): Promise<Member | undefined> {
  return readJson<Member>(ctx, memberKey(ctx, mspId, fingerprint));
}

export async function readGovernanceConfig(ctx: Context): Promise<GovernanceConfig | undefined> {
  return readJson<GovernanceConfig>(ctx, governanceConfigKey(ctx));
}

function roleIndexKey(ctx: Context, role: Role, member: Pick<Member, 'mspId' | 'fingerprint'>): string {
  return compositeKey(ctx, ObjectType.memberRole, role, member.mspId, member.fingerprint);
}

function activeRoles(member: Member | undefined): readonly Role[] {
  return member && member.status === 'active' ? member.roles : [];
}

/**
 * Writes a member and keeps the role index (`member.role / role / msp / fingerprint`) in step, so that
 * "all validators" is one small range read. `previous` is the committed record, read by the caller.
 */
export async function saveMember(ctx: Context, previous: Member | undefined, next: Member): Promise<void> {
  await syncIndex(ctx, activeRoles(previous), activeRoles(next), (role) => roleIndexKey(ctx, role, next), {
    since: next.updatedAt,
  });
  await writeJson(ctx, memberKey(ctx, next.mspId, next.fingerprint), next);
}

/** Active members holding a role on the ledger, in key order (MSP id, then fingerprint). */
export async function membersWithRole(ctx: Context, role: Role): Promise<Member[]> {
  const members: Member[] = [];
  const iterator = ctx.stub.getStateByPartialCompositeKey(ObjectType.memberRole, [role]);
  for await (const entry of iterator) {
    const { attributes } = ctx.stub.splitCompositeKey(entry.key);
    const [, mspId, fingerprint] = attributes;
    if (mspId === undefined || fingerprint === undefined) {
      continue;
    }
    const member = await readMember(ctx, mspId, fingerprint);
    if (member && member.status === 'active' && member.roles.includes(role)) {
      members.push(member);
    }
  }
  return members;
}

export async function allMembers(ctx: Context): Promise<Member[]> {
  const members: Member[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(ObjectType.member, [])) {
    members.push(decodeJson<Member>(entry.value));
  }
  return members;
}
