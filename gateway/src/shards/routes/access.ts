import type { Role } from '@keyledger/chaincode/protocol';
import { ProblemError, type ApiCaller, type RequestServices } from '../../http';

/** Who may provision, rotate, revoke and collect: the roles the contract lets publish and revoke. */
export const OPERATOR_ROLES: readonly Role[] = ['admin', 'provider'];
/** Who may list the generator's fleet: operators and those who audit them. */
export const FLEET_READER_ROLES: readonly Role[] = ['admin', 'auditor', 'provider'];

/**
 * Refuses a caller without one of `roles` on the ledger before anything is done: the generator acts on the
 * ledger with its own identity, so the chaincode alone would not stop a caller who lacks the role.
 */
export async function requireRole(
  services: RequestServices,
  caller: ApiCaller,
  roles: readonly Role[],
  what: string,
): Promise<void> {
  const held = await services.rolesOf(caller);
  if (!roles.some((role) => held.includes(role))) {
    throw new ProblemError(
      'forbidden',
      `${what} needs the role ${roles.join(' or ')} on the ledger; ${caller.name} has ${held.join(', ') || 'none'}`,
    );
  }
}

export function deviceLocation(deviceId: string): string {
  return `/v1/shards/devices/${encodeURIComponent(deviceId)}`;
}
