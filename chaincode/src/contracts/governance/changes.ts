import { governanceConfigKey, readMember, saveMember, writeJson, type KeyLedgerContext } from '../../lib';
import { ConflictError, identityRef, memberRef } from '../../protocol';
import type { Member } from '../../protocol/governance';
import { isActiveWith, newMember, sortRoles } from './memberRecords';
import { publicKeyFingerprint } from './publicKey';
import type { GovernanceChange, GovernanceConfigRecord } from '../../protocol/governance';

/** A change checked against committed state, ready to write. */
export interface ChangePlan {
  /** Event fields describing the change: ids, roles, the rule — never a key. */
  readonly summary: Record<string, unknown>;
  apply(): Promise<void>;
}

/** What events and results say about a change. */
export function changeSummary(change: GovernanceChange): Record<string, unknown> {
  switch (change.type) {
    case 'addValidator':
      return {
        changeType: change.type,
        ...identityRef(change.member),
        publicKeyFingerprint:
          change.member.publicKey === undefined ? undefined : publicKeyFingerprint(change.member.publicKey),
      };
    case 'removeValidator':
      return { changeType: change.type, ...identityRef(change) };
    case 'setQuorumRule':
      return { changeType: change.type, rule: change.rule };
  }
}

/**
 * Checks that `change` can be applied to the committed state (when proposed, and again at quorum, since the
 * state may have moved meanwhile) and prepares its writes. Throws ConflictError when it cannot apply.
 */
export async function planChange(
  ctx: KeyLedgerContext,
  change: GovernanceChange,
  validators: readonly Member[],
  config: GovernanceConfigRecord,
  proposalId: string,
): Promise<ChangePlan> {
  const by = `proposal:${proposalId}`;
  const summary = changeSummary(change);
  switch (change.type) {
    case 'addValidator': {
      const previous = await readMember(ctx, change.member.mspId, change.member.fingerprint);
      if (isActiveWith(previous, 'validator')) {
        throw new ConflictError(`${memberRef(change.member)} is already a validator`);
      }
      const next: Member =
        previous?.status === 'active'
          ? {
              ...previous,
              roles: sortRoles([...previous.roles, 'validator']),
              publicKey: change.member.publicKey ?? previous.publicKey,
              updatedAt: ctx.now,
            }
          : newMember(change.member, change.member.name, ['validator'], change.member.publicKey, ctx.now, by);
      return { summary, apply: () => saveMember(ctx, previous, next) };
    }
    case 'removeValidator': {
      const previous = await readMember(ctx, change.mspId, change.fingerprint);
      if (previous === undefined || !isActiveWith(previous, 'validator')) {
        throw new ConflictError(`${memberRef(change)} is not an active validator`);
      }
      if (validators.length <= 1) {
        throw new ConflictError('cannot remove the last validator: the validator set must not become empty');
      }
      const roles = previous.roles.filter((role) => role !== 'validator');
      const next: Member =
        roles.length > 0
          ? { ...previous, roles, updatedAt: ctx.now }
          : {
              ...previous,
              status: 'revoked',
              revokedAt: ctx.now,
              revokedReason: `removed from the validator set by ${by}`,
              updatedAt: ctx.now,
            };
      return { summary, apply: () => saveMember(ctx, previous, next) };
    }
    case 'setQuorumRule': {
      const next: GovernanceConfigRecord = {
        ...config,
        quorumRule: change.rule,
        ruleUpdatedAt: ctx.now,
        ruleUpdatedBy: by,
      };
      return { summary, apply: () => writeJson(ctx, governanceConfigKey(ctx), next) };
    }
  }
}
