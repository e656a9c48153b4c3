import type { Context } from 'fabric-contract-api';

/**
 * Object types used as the first part of composite keys. Composite keys (`\u0000type\u0000attr\u0000…`) keep
 * every kind of record in its own key range, so a partial-key query lists exactly one kind.
 */
export const ObjectType = {
  governanceConfig: 'gov.config',
  governanceProposal: 'gov.proposal',
  member: 'member',
  memberRole: 'member.role',
  queuePolicy: 'rot.policy',
  queueState: 'rot.queue',
  rotation: 'rot.rotation',
  volumeReport: 'rot.volume',
  provider: 'prov.provider',
  providerKey: 'prov.key',
  providerAlgorithm: 'prov.alg',
  reputation: 'prov.reputation',
  signingKey: 'sig.key',
  signingKeyStatus: 'sig.status',
  shardMap: 'shard.map',
  shardMapActive: 'shard.active',
  shard: 'shard.shard',
  shardEnrollment: 'shard.enrol',
  shardUse: 'shard.use',
  securityModule: 'tr.module',
  trustEvent: 'tr.event',
  thresholdPolicy: 'tr.policy',
  commitments: 'tr.commitments',
  session: 'tr.session',
  sessionResponse: 'tr.response',
} as const;

export type ObjectTypeName = (typeof ObjectType)[keyof typeof ObjectType];

export function compositeKey(ctx: Context, type: ObjectTypeName, ...attributes: string[]): string {
  return ctx.stub.createCompositeKey(type, attributes);
}

/**
 * Fixed-width decimal so that integers order correctly inside composite keys (which sort as UTF-8 bytes):
 * epoch 9 must come before epoch 10.
 */
export function sortableInt(value: number, width = 16): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`sortableInt needs a non-negative safe integer, got ${value}`);
  }
  return value.toString().padStart(width, '0');
}
