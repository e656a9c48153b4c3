import type {
  DueReason,
  KeyPolicy,
  OpenProposalSummary,
  QueueState,
  RotationDue,
} from '../../protocol/rotation';
import { rotationHold } from './hold';

export interface DueInput {
  readonly policy: KeyPolicy;
  readonly state: QueueState;
  readonly now: number;
  /** Σ reported messages for the active version over all reporters. */
  readonly messages: number;
  /** Refs of the active front-ends now. */
  readonly frontends: readonly string[];
  /** Refs that received the active version's key (empty when there is no active key). */
  readonly recipients: readonly string[];
  readonly openProposal: OpenProposalSummary | null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

/**
 * Whether the queue's key should be rotated, and why:
 *
 *   elapsedMs  = now − (committedAt of the active version, or the queue's createdAt while it has none)
 *   initial    ⇔ activeVersion = 0                     (no key yet)
 *   interval   ⇔ activeVersion > 0 ∧ elapsedMs ≥ rotationIntervalMs
 *   volume     ⇔ activeVersion > 0 ∧ messages ≥ maxMessages
 *   compromise ⇔ the active version is reported compromised
 *   recipients ⇔ activeVersion > 0 ∧ {active front-ends} ≠ {recipients of the active key}
 *   held       ⇔ at least one reason ∧ now < nextAllowedAt ∧ not exempt      (see `hold.ts`)
 *   due        ⇔ at least one reason ∧ ¬held
 *
 * So `due` never reports what ProposeRotation would refuse: a validator agent polling IsRotationDue during
 * the hold sees `held` and `nextAllowedAt` rather than a rotation it cannot propose.
 *
 * `due` does not look at `openProposal`: an agent that sees an open proposal approves it rather than
 * proposing another.
 */
export function rotationDue(input: DueInput): RotationDue {
  const { policy, state, now, messages } = input;
  const hasKey = state.activeVersion > 0;
  const since = state.committedAt ?? state.createdAt;
  const elapsedMs = Math.max(0, now - since);
  const reasons: DueReason[] = [];
  if (!hasKey) {
    reasons.push('initial');
  } else {
    if (elapsedMs >= policy.rotationIntervalMs) {
      reasons.push('interval');
    }
    if (messages >= policy.maxMessages) {
      reasons.push('volume');
    }
    if (state.compromised.some((record) => record.version === state.activeVersion)) {
      reasons.push('compromise');
    }
    if (!sameSet(input.frontends, input.recipients)) {
      reasons.push('recipients');
    }
  }
  const hold = rotationHold(input);
  const held = reasons.length > 0 && now < hold.nextAllowedAt && hold.exemptBecause === undefined;
  return {
    queueId: state.queueId,
    due: reasons.length > 0 && !held,
    reasons,
    held,
    nextAllowedAt: hold.nextAllowedAt,
    minRotationIntervalMs: policy.minRotationIntervalMs,
    activeVersion: state.activeVersion,
    elapsedMs,
    rotationIntervalMs: policy.rotationIntervalMs,
    messages,
    maxMessages: policy.maxMessages,
    openProposal: input.openProposal,
  };
}
