import { compositeKey, ObjectType, readJson, syncIndex, writeJson, type KeyLedgerContext } from '../../lib';
import type { GovernanceProposal, ProposalStatus } from '../../protocol/governance';

/** Index `gov.pstatus / status / proposalId` → `{ proposalId }`, so "open proposals" is one range read. */
export const PROPOSAL_STATUS_INDEX = 'gov.pstatus';

export function proposalKey(ctx: KeyLedgerContext, proposalId: string): string {
  return compositeKey(ctx, ObjectType.governanceProposal, proposalId);
}

function statusIndexKey(ctx: KeyLedgerContext, status: ProposalStatus, proposalId: string): string {
  return ctx.stub.createCompositeKey(PROPOSAL_STATUS_INDEX, [status, proposalId]);
}

export function readProposal(
  ctx: KeyLedgerContext,
  proposalId: string,
): Promise<GovernanceProposal | undefined> {
  return readJson<GovernanceProposal>(ctx, proposalKey(ctx, proposalId));
}

/** Writes a proposal and moves its status index entry. `previous` is the committed record. */
export async function saveProposal(
  ctx: KeyLedgerContext,
  previous: GovernanceProposal | undefined,
  next: GovernanceProposal,
): Promise<void> {
  await syncIndex(
    ctx,
    previous === undefined ? [] : [previous.status],
    [next.status],
    (status) => statusIndexKey(ctx, status, next.proposalId),
    { proposalId: next.proposalId },
  );
  await writeJson(ctx, proposalKey(ctx, next.proposalId), next);
}
