import {
  compositeKey,
  listByPartialKey,
  mustReadJson,
  ObjectType,
  readGovernanceConfig,
  readJson,
  sortableInt,
  type KeyLedgerContext,
} from '../../lib';
import { ConflictError, NotFoundError } from '../../protocol';
import type { GovernanceConfig } from '../../protocol/governance';
import { withPolicyDefaults, type StoredKeyPolicy } from './policy';
import type {
  CommittedRotation,
  KeyPolicy,
  OpenProposalPointer,
  QueueState,
  RotationProposal,
} from '../../protocol/rotation';

/**
 * World-state layout of the rotation capability. The lib's ObjectType has policy, queue, rotation and volume;
 * the three extra ranges below follow the same `rot.` prefix.
 */
const COMMITTED_TYPE = 'rot.committed';
const OPEN_TYPE = 'rot.open';
const KEY_ID_TYPE = 'rot.keyid';

export const rotationKeys = {
  policy: (ctx: KeyLedgerContext, queueId: string): string =>
    compositeKey(ctx, ObjectType.queuePolicy, queueId),
  queue: (ctx: KeyLedgerContext, queueId: string): string =>
    compositeKey(ctx, ObjectType.queueState, queueId),
  proposal: (ctx: KeyLedgerContext, proposalId: string): string =>
    compositeKey(ctx, ObjectType.rotation, proposalId),
  volume: (
    ctx: KeyLedgerContext,
    queueId: string,
    version: number,
    mspId: string,
    fingerprint: string,
  ): string => compositeKey(ctx, ObjectType.volumeReport, queueId, sortableInt(version), mspId, fingerprint),
  committed: (ctx: KeyLedgerContext, queueId: string, version: number): string =>
    ctx.stub.createCompositeKey(COMMITTED_TYPE, [queueId, sortableInt(version)]),
  open: (ctx: KeyLedgerContext, queueId: string): string => ctx.stub.createCompositeKey(OPEN_TYPE, [queueId]),
  keyId: (ctx: KeyLedgerContext, queueId: string, keyId: string): string =>
    ctx.stub.createCompositeKey(KEY_ID_TYPE, [queueId, keyId]),
};

export async function mustGovernance(ctx: KeyLedgerContext): Promise<GovernanceConfig> {
  const config = await readGovernanceConfig(ctx);
  if (!config) {
    throw new ConflictError('governance not bootstrapped');
  }
  return config;
}

/** The stored policy record as written (no defaults applied), for SetKeyPolicy's comparison. */
export function readStoredPolicy(
  ctx: KeyLedgerContext,
  queueId: string,
): Promise<StoredKeyPolicy | undefined> {
  return readJson<StoredKeyPolicy>(ctx, rotationKeys.policy(ctx, queueId));
}

/** The queue's policy, with defaults for fields the stored record predates. */
export async function mustPolicy(ctx: KeyLedgerContext, queueId: string): Promise<KeyPolicy> {
  const policy = await readStoredPolicy(ctx, queueId);
  if (!policy) {
    throw new NotFoundError(`queue ${queueId} has no key policy`);
  }
  return withPolicyDefaults(policy);
}

/** Every queue's policy in queue-id order, with defaults applied. */
export async function listPolicies(ctx: KeyLedgerContext): Promise<KeyPolicy[]> {
  return (await listByPartialKey<StoredKeyPolicy>(ctx, ObjectType.queuePolicy, [])).map(withPolicyDefaults);
}

export async function mustQueue(ctx: KeyLedgerContext, queueId: string): Promise<QueueState> {
  const state = await readJson<QueueState>(ctx, rotationKeys.queue(ctx, queueId));
  if (!state) {
    throw new NotFoundError(`queue ${queueId} has no key policy`);
  }
  return state;
}

export function mustProposal(ctx: KeyLedgerContext, proposalId: string): Promise<RotationProposal> {
  return mustReadJson<RotationProposal>(
    ctx,
    rotationKeys.proposal(ctx, proposalId),
    `rotation proposal ${proposalId}`,
  );
}

export async function mustCommitted(
  ctx: KeyLedgerContext,
  queueId: string,
  version: number,
): Promise<CommittedRotation> {
  const committed = await readJson<CommittedRotation>(ctx, rotationKeys.committed(ctx, queueId, version));
  if (!committed) {
    throw new NotFoundError(`queue ${queueId} has no committed key version ${version}`);
  }
  return committed;
}

export function readOpenPointer(
  ctx: KeyLedgerContext,
  queueId: string,
): Promise<OpenProposalPointer | undefined> {
  return readJson<OpenProposalPointer>(ctx, rotationKeys.open(ctx, queueId));
}

export function listOpenPointers(ctx: KeyLedgerContext): Promise<OpenProposalPointer[]> {
  return listByPartialKey<OpenProposalPointer>(ctx, OPEN_TYPE, []);
}

/** Committed rotations of a queue in version order (the version attribute is zero-padded). */
export function listCommitted(ctx: KeyLedgerContext, queueId: string): Promise<CommittedRotation[]> {
  return listByPartialKey<CommittedRotation>(ctx, COMMITTED_TYPE, [queueId]);
}
