import { identityRef, ROLES, type Role } from '../../protocol';
import type { Member } from '../../protocol/governance';
import type { MemberId } from '../../protocol/governance';

/** Roles without duplicates, in the canonical order of {@link ROLES}, so equal sets store identically. */
export function sortRoles(roles: Iterable<Role>): Role[] {
  const wanted = new Set(roles);
  return ROLES.filter((role) => wanted.has(role));
}

export function isActiveWith(member: Member | undefined, role: Role): boolean {
  return member !== undefined && member.status === 'active' && member.roles.includes(role);
}

/** A fresh active registration (also used when a revoked identity is registered again). */
export function newMember(
  id: MemberId,
  name: string,
  roles: Iterable<Role>,
  publicKey: string | undefined,
  now: number,
  registeredBy: string,
): Member {
  return {
    ...identityRef(id),
    name,
    roles: sortRoles(roles),
    status: 'active',
    publicKey,
    registeredAt: now,
    registeredBy,
    updatedAt: now,
  };
}
