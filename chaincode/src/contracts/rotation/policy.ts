import { canonicalJson, defaultMinRotationIntervalMs, KEY_POLICY_DEFAULTS } from '../../protocol';
import type { KeyPolicy } from '../../protocol/rotation';
import type { KeyPolicyInput } from './schemas';

/** A policy as stored: records written before a field existed lack it. */
export type StoredKeyPolicy = Omit<KeyPolicy, 'minRotationIntervalMs' | 'retentionMs'> &
  Partial<Pick<KeyPolicy, 'minRotationIntervalMs' | 'retentionMs'>>;

/** A stored policy with the defaults of the fields it predates, so every reader sees a whole policy. */
export function withPolicyDefaults(stored: StoredKeyPolicy): KeyPolicy {
  return {
    ...stored,
    minRotationIntervalMs:
      stored.minRotationIntervalMs ?? defaultMinRotationIntervalMs(stored.rotationIntervalMs),
    retentionMs: stored.retentionMs ?? KEY_POLICY_DEFAULTS.retentionMs,
  };
}

/**
 * The policy SetKeyPolicy stores: the input with every omitted optional field at its default (a policy is
 * replaced as a whole, as a PUT replaces a resource), stamped with who set it and when.
 */
export function policyFromInput(
  input: KeyPolicyInput,
  previous: StoredKeyPolicy | undefined,
  now: number,
  updatedBy: string,
): KeyPolicy {
  return {
    queueId: input.queueId,
    rotationIntervalMs: input.rotationIntervalMs,
    maxMessages: input.maxMessages,
    algorithm: input.algorithm,
    proposalTtlMs: input.proposalTtlMs ?? KEY_POLICY_DEFAULTS.proposalTtlMs,
    retentionVersions: input.retentionVersions ?? KEY_POLICY_DEFAULTS.retentionVersions,
    minRotationIntervalMs:
      input.minRotationIntervalMs ?? defaultMinRotationIntervalMs(input.rotationIntervalMs),
    retentionMs: input.retentionMs ?? KEY_POLICY_DEFAULTS.retentionMs,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    updatedBy,
  };
}

/**
 * Whether the stored record already says what `next` says (who and when aside). A stored record that lacks
 * a field is not the same, so setting such a policy again writes the field out.
 */
export function samePolicy(stored: StoredKeyPolicy, next: KeyPolicy): boolean {
  const rules = ({ updatedAt: _at, updatedBy: _by, ...rest }: StoredKeyPolicy): string => canonicalJson(rest);
  return rules(stored) === rules(next);
}
