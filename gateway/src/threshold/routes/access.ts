import type { Role } from '@keyledger/chaincode/protocol';
import { callerOf, ProblemError, type HandlerContext } from '../../http';
import { CustodyLedger } from '../custodyLedger';

/** Who may run a key ceremony: PublishCommitments is the contract's, and it lets admins only. */
export const CEREMONY_ROLES: readonly Role[] = ['admin'];
/** Who may open a signing or reconstruction session (OpenSession). */
export const SESSION_ROLES: readonly Role[] = ['orchestrator', 'admin'];

/** The custody contract as the caller: every read and write is the caller's, so the chaincode checks its role. */
export function custodyOf(
  context: Pick<HandlerContext<unknown, unknown, unknown>, 'caller' | 'services'>,
): CustodyLedger {
  return new CustodyLedger(context.services.ledger(callerOf(context)));
}

/**
 * Refuses a caller without one of `roles` before the modules are asked anything. The ledger would refuse it too,
 * but only at its first write: after the modules ran a whole ceremony (PublishCommitments comes last) or were
 * asked to coordinate. The chaincode stays the authority; this only spares the modules the work.
 */
export async function requireRole(
  context: Pick<HandlerContext<unknown, unknown, unknown>, 'caller' | 'services'>,
  roles: readonly Role[],
  what: string,
): Promise<void> {
  const caller = callerOf(context);
  const held = await context.services.rolesOf(caller);
  if (!roles.some((role) => held.includes(role))) {
    throw new ProblemError(
      'forbidden',
      `${what} needs the role ${roles.join(' or ')} on the ledger; ${caller.name} has ${held.join(', ') || 'none'}`,
    );
  }
}

export function keyLocation(keyId: string): string {
  return `/v1/threshold/keys/${encodeURIComponent(keyId)}`;
}

export function unknownKey(keyId: string): ProblemError {
  return new ProblemError(
    'not-found',
    `threshold key ${keyId} is unknown to the ledger (no policy, no shares)`,
  );
}
