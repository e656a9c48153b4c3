export const ROLES = [
  'admin',
  'validator',
  'frontend',
  'provider',
  'orchestrator',
  'signer',
  'module',
  'device',
  'auditor',
] as const;

export type Role = (typeof ROLES)[number];

/**
 * Roles that only governance may grant. A certificate attribute can carry the other roles (handy with Fabric
 * CA's ABAC), but any org's CA can mint attributes, so the roles that decide (admin) or vote (validator) are
 * honoured only when registered on the ledger.
 */
export const LEDGER_ONLY_ROLES: readonly Role[] = ['admin', 'validator'];

/** Fabric CA attribute (OID 1.2.3.4.5.6.7.8.1) holding a comma-separated list of roles. */
export const ROLE_ATTRIBUTE = 'keyledger.roles';

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
