import type { KeyLedgerContext } from './context';
import { ForbiddenError } from '../protocol/errors';
import type { Caller } from './identity';
import type { Role } from '../protocol/roles';

/** Throws unless the caller holds at least one of the roles; returns the caller for convenience. */
export async function requireRole(ctx: KeyLedgerContext, ...allowed: Role[]): Promise<Caller> {
  if (!(await hasAnyRole(ctx, allowed))) {
    const caller = ctx.caller;
    throw new ForbiddenError(
      `caller ${caller.mspId}/${caller.fingerprint.slice(0, 16)}… needs role ${allowed.join(' or ')}`,
    );
  }
  return ctx.caller;
}

export async function hasRole(ctx: KeyLedgerContext, role: Role): Promise<boolean> {
  return (await ctx.roles()).has(role);
}

/** Whether the caller holds at least one of the roles: for "owner, or one of these roles" checks. */
export async function hasAnyRole(ctx: KeyLedgerContext, roles: readonly Role[]): Promise<boolean> {
  const held = await ctx.roles();
  return roles.some((role) => held.has(role));
}

/** Any identity with at least one role: the audience for read functions. */
export async function requireAnyRole(ctx: KeyLedgerContext): Promise<Caller> {
  const roles = await ctx.roles();
  if (roles.size === 0) {
    throw new ForbiddenError(
      `caller ${ctx.caller.mspId}/${ctx.caller.fingerprint.slice(0, 16)}… has no KeyLedger role`,
    );
  }
  return ctx.caller;
}
