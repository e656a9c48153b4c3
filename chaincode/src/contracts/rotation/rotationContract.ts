import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  callerCertificate,
  emitEvent,
  isoTime,
  KeyLedgerContext,
  KeyLedgerContract,
  listByPartialKey,
  membersWithRole,
  ObjectType,
  parseId,
  parseIntArg,
  parseJsonArg,
  parseQueueId,
  readHistory,
  readJson,
  reasonSchema,
  requireAnyRole,
  requireRole,
  result,
  sortableInt,
  validate,
  writeJson,
  type HistoryEntry,
} from '../../lib';
import {
  ConflictError,
  identityRef,
  MAX_NOT_BEFORE_LEAD_MS,
  memberRef,
  NotFoundError,
  sameIdentity,
  takesOverAt,
  ValidationError,
  verifySignature,
} from '../../protocol';
import type { GovernanceConfig } from '../../protocol/governance';
import { digestPayload, proposalDigest, sortWrappedKeys } from '../../protocol/rotationDigest';
import { rotationDue } from './due';
import { rotationHold } from './hold';
import { policyFromInput, samePolicy, withPolicyDefaults } from './policy';
import { describeMismatch, duplicateRecipients, recipientMismatch } from './recipients';
import {
  compromiseInputSchema,
  keyPolicyInputSchema,
  proposalInputSchema,
  signatureSchema,
  volumeInputSchema,
} from './schemas';
import {
  listCommitted,
  listOpenPointers,
  listPolicies,
  mustCommitted,
  mustGovernance,
  mustPolicy,
  mustProposal,
  mustQueue,
  readOpenPointer,
  readStoredPolicy,
  rotationKeys,
} from './store';
import { tally, type Tally } from './tally';
import type {
  ActiveKey,
  Approval,
  CommittedRotation,
  CommittedRotationView,
  KeyIdReservation,
  KeyPolicyResult,
  MemberIdentity,
  OpenProposalPointer,
  QueueState,
  Rejection,
  RotationProposal,
  VolumeRecord,
} from '../../protocol/rotation';

/**
 * Key rotation by validator quorum (capability A).
 *
 * Each message queue has a key policy (interval, message-volume limit, algorithm) and a sequence of key
 * versions 1, 2, 3 … . A validator proposes version active+1 with the new key's id and key check value (KCV)
 * and one wrapped copy of the key per registered front-end; other validators approve. Why a quorum: no single
 * key-management server may decide which key the front-ends use. The proposer's vote counts as the first
 * approval; when requiredApprovals(quorumRule, n) distinct, currently active validators have approved, the
 * approving transaction itself commits the rotation, advances the queue's active version and emits
 * `RotationCommitted`. At most one proposal per queue is open at a time; it closes as committed, rejected
 * (when n − rejections < quorum) or expired (after its TTL).
 *
 * Plain key material never reaches the ledger: wrapped keys are opaque ciphertext for one recipient each,
 * and the KCV lets a front-end check that it unwrapped the right key. Every approval may carry a signature
 * over the proposal digest, verified here with the approver's certificate and stored with it, so that
 * front-ends can verify a commit from ledger data alone.
 *
 * Message volume is reported by front-ends as aggregated counts, one record per (queue, version, reporter)
 * so concurrent reporters never write the same key.
 *
 * Every superseded version is a key front-ends must keep while messages under it may still be read, so a
 * burst of rotations must not make them drop keys still in use. Two policy fields see to it: rotations wait
 * minRotationIntervalMs after a commit unless the active key is unsafe (`hold.ts`), and front-ends keep a
 * superseded version for retentionMs after its successor took over (`supersededAt` in GetRotationsSince, the
 * rule in `protocol/rotationPolicy.ts`) as well as the newest retentionVersions.
 */
@Info({
  title: 'KeyRotation',
  description: 'Per-queue message-encryption key rotation approved by a validator quorum',
})
export class RotationContract extends KeyLedgerContract {
  constructor() {
    super('KeyRotation');
  }

  /**
   * Admin: creates or replaces a queue's key policy. Omitted optional fields take their defaults
   * (`KEY_POLICY_DEFAULTS`: proposalTtlMs 1 h, retentionVersions 2, minRotationIntervalMs 60 s but at most
   * rotationIntervalMs, retentionMs 7 days). A new queue starts with activeVersion 0 (no key). Setting the
   * policy the queue already has is a no-op (no write, no event, `changed: false`), so a retry is harmless.
   */
  @Transaction()
  @Returns('string')
  async SetKeyPolicy(ctx: KeyLedgerContext, policyJson: string): Promise<string> {
    const caller = await requireRole(ctx, 'admin');
    const input = parseJsonArg(keyPolicyInputSchema, policyJson, 'key policy');
    const previous = await readStoredPolicy(ctx, input.queueId);
    const now = ctx.now;
    const policy = policyFromInput(input, previous, now, memberRef(caller));
    if (previous && samePolicy(previous, policy)) {
      const unchanged: KeyPolicyResult = {
        policy: withPolicyDefaults(previous),
        created: false,
        changed: false,
      };
      return result(unchanged);
    }
    await writeJson(ctx, rotationKeys.policy(ctx, input.queueId), policy);
    if (!previous) {
      const state: QueueState = {
        queueId: input.queueId,
        activeVersion: 0,
        compromised: [],
        createdAt: now,
        updatedAt: now,
      };
      await writeJson(ctx, rotationKeys.queue(ctx, input.queueId), state);
    }
    const created = previous === undefined;
    emitEvent(ctx, 'KeyPolicySet', { ...policy, created });
    const written: KeyPolicyResult = { policy, created, changed: true };
    return result(written);
  }

  @Transaction(false)
  @Returns('string')
  async GetKeyPolicy(ctx: KeyLedgerContext, queueId: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await mustPolicy(ctx, parseQueueId(queueId)));
  }

  /** Every queue with its policy and active version, in queue-id order. */
  @Transaction(false)
  @Returns('string')
  async ListQueues(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    const policies = await listPolicies(ctx);
    const states = await listByPartialKey<QueueState>(ctx, ObjectType.queueState, []);
    const byQueue = new Map(states.map((state) => [state.queueId, state]));
    return result(
      policies.map((policy) => {
        const state = byQueue.get(policy.queueId);
        return { ...policy, activeVersion: state?.activeVersion ?? 0, activeKeyId: state?.activeKeyId };
      }),
    );
  }

  /**
   * Validator: proposes key version activeVersion+1 for a queue. The proposal id is this transaction's id.
   * With a quorum of 1 the rotation commits at once. Refused with [CONFLICT] while the rotation is held
   * (less than minRotationIntervalMs since the active version committed, see `hold.ts`) unless the active
   * key is compromised or held by a departed front-end; reason 'compromise' needs the active version to be
   * reported compromised. notBefore may lie at most MAX_NOT_BEFORE_LEAD_MS (1 h) after the transaction.
   */
  @Transaction()
  @Returns('string')
  async ProposeRotation(ctx: KeyLedgerContext, proposalJson: string): Promise<string> {
    const caller = await requireRole(ctx, 'validator');
    const input = parseJsonArg(proposalInputSchema, proposalJson, 'rotation proposal');
    const duplicates = duplicateRecipients(input.wrappedKeys);
    if (duplicates.length > 0) {
      throw new ValidationError(
        `invalid rotation proposal: wrappedKeys names ${duplicates.join(', ')} more than once`,
      );
    }
    const now = ctx.now;
    if (input.notBefore > now + MAX_NOT_BEFORE_LEAD_MS) {
      throw new ValidationError(
        `invalid rotation proposal: notBefore ${isoTime(input.notBefore)} is more than ` +
          `${MAX_NOT_BEFORE_LEAD_MS / 60_000} min after the transaction time ${isoTime(now)}`,
      );
    }
    const config = await mustGovernance(ctx);
    const policy = await mustPolicy(ctx, input.queueId);
    const state = await mustQueue(ctx, input.queueId);
    const expectedVersion = state.activeVersion + 1;
    if (input.version !== expectedVersion) {
      throw new ConflictError(
        `queue ${input.queueId}: version must be ${expectedVersion} (active version ${state.activeVersion} + 1), got ${input.version}`,
      );
    }
    const open = await readOpenPointer(ctx, input.queueId);
    if (open) {
      throw new ConflictError(
        `queue ${input.queueId} already has open proposal ${open.proposalId} for version ${open.version} ` +
          `(expires ${isoTime(open.expiresAt)}; approve or reject it, or expire it after that time)`,
      );
    }
    const reserved = await readJson<KeyIdReservation>(
      ctx,
      rotationKeys.keyId(ctx, input.queueId, input.keyId),
    );
    if (reserved) {
      throw new ConflictError(
        `key id ${input.keyId} was already used for queue ${input.queueId} (version ${reserved.version}, proposal ${reserved.proposalId})`,
      );
    }
    if (state.activeKeyCheckValue === input.keyCheckValue) {
      throw new ConflictError(
        `key check value equals that of active version ${state.activeVersion}: the new key must differ`,
      );
    }
    const frontends = await membersWithRole(ctx, 'frontend');
    if (frontends.length === 0) {
      throw new ConflictError('no active front-end is registered to receive the key');
    }
    const mismatch = recipientMismatch(input.wrappedKeys, frontends);
    if (mismatch) {
      throw new ConflictError(
        `wrappedKeys must name every active front-end exactly once: ${describeMismatch(mismatch)}`,
      );
    }
    // The reason that lifts the hold must be a ledger fact, or every burst would simply claim it.
    if (input.reason === 'compromise' && !isCompromised(state, state.activeVersion)) {
      throw new ConflictError(
        `queue ${input.queueId}: reason 'compromise' needs the active version ${state.activeVersion} to be ` +
          'reported compromised first (ReportCompromise)',
      );
    }
    const recipients =
      state.activeVersion > 0
        ? (await mustCommitted(ctx, input.queueId, state.activeVersion)).recipients
        : [];
    const hold = rotationHold({ policy, state, frontends: frontends.map(memberRef), recipients });
    if (now < hold.nextAllowedAt && hold.exemptBecause === undefined) {
      throw new ConflictError(
        `queue ${input.queueId}: version ${state.activeVersion} committed at ${isoTime(state.committedAt ?? 0)}, ` +
          `less than minRotationIntervalMs (${policy.minRotationIntervalMs} ms) ago; the next rotation is ` +
          `allowed from ${isoTime(hold.nextAllowedAt)} (a compromised active version is replaced at once)`,
      );
    }
    const proposer = identityRef(caller);
    const wrappedKeys = sortWrappedKeys(input.wrappedKeys);
    const digestInput = { ...input, wrappedKeys, proposer };
    const approval = approvalOf(ctx, digestPayload(digestInput), input.signature);
    const validators = await membersWithRole(ctx, 'validator');
    const votes = tally(config.quorumRule, validators, [proposer], []);
    const proposal: RotationProposal = {
      proposalId: ctx.txId,
      queueId: input.queueId,
      version: input.version,
      keyId: input.keyId,
      keyCheckValue: input.keyCheckValue,
      wrappedKeys,
      notBefore: input.notBefore,
      reason: input.reason,
      proposer,
      digest: proposalDigest(digestInput),
      status: 'open',
      proposedAt: now,
      expiresAt: now + policy.proposalTtlMs,
      approvals: [approval],
      rejections: [],
      validatorCountAtProposal: votes.validatorCount,
      quorumAtProposal: votes.quorum,
    };
    const reservation: KeyIdReservation = {
      queueId: input.queueId,
      keyId: input.keyId,
      proposalId: proposal.proposalId,
      version: input.version,
    };
    await writeJson(ctx, rotationKeys.keyId(ctx, input.queueId, input.keyId), reservation);
    if (votes.reached) {
      return commitRotation(ctx, proposal, state, votes, false);
    }
    await writeJson(ctx, rotationKeys.proposal(ctx, proposal.proposalId), proposal);
    const pointer: OpenProposalPointer = {
      proposalId: proposal.proposalId,
      version: proposal.version,
      proposedAt: now,
      expiresAt: proposal.expiresAt,
    };
    await writeJson(ctx, rotationKeys.open(ctx, input.queueId), pointer);
    emitEvent(ctx, 'RotationProposed', {
      ...summaryOf(proposal),
      approvals: votes.approvals,
      quorum: votes.quorum,
      validatorCount: votes.validatorCount,
    });
    return result(proposal);
  }

  /**
   * Validator: approves an open, unexpired proposal once. `signature` is '' or base64 of the validator's
   * signature over the proposal digest (verified with the caller's certificate). At quorum this transaction
   * commits the rotation.
   */
  @Transaction()
  @Returns('string')
  async ApproveRotation(ctx: KeyLedgerContext, proposalId: string, signature: string): Promise<string> {
    const caller = await requireRole(ctx, 'validator');
    const id = parseId(proposalId, 'proposal id');
    const signatureValue = signature === '' ? undefined : validate(signatureSchema, signature, 'signature');
    const config = await mustGovernance(ctx);
    const proposal = await mustProposal(ctx, id);
    assertVotable(proposal, ctx.now, caller);
    const approval = approvalOf(ctx, digestPayload(proposal), signatureValue);
    const approvals = [...proposal.approvals, approval];
    const votes = await currentTally(ctx, config, approvals, proposal.rejections);
    if (votes.reached) {
      const state = await mustQueue(ctx, proposal.queueId);
      return commitRotation(ctx, { ...proposal, approvals }, state, votes, true);
    }
    const next: RotationProposal = { ...proposal, approvals };
    await writeJson(ctx, rotationKeys.proposal(ctx, id), next);
    emitEvent(ctx, 'RotationApproved', {
      proposalId: id,
      queueId: proposal.queueId,
      version: proposal.version,
      approver: memberRef(caller),
      signed: signatureValue !== undefined,
      approvals: votes.approvals,
      quorum: votes.quorum,
      validatorCount: votes.validatorCount,
    });
    return result(next);
  }

  /**
   * Validator: votes against an open proposal once. The proposal becomes 'rejected' (and the queue is free)
   * when the quorum can no longer be reached: n − rejections < quorum.
   */
  @Transaction()
  @Returns('string')
  async RejectRotation(ctx: KeyLedgerContext, proposalId: string, reason: string): Promise<string> {
    const caller = await requireRole(ctx, 'validator');
    const id = parseId(proposalId, 'proposal id');
    const reasonText = validate(reasonSchema, reason, 'reason');
    const config = await mustGovernance(ctx);
    const proposal = await mustProposal(ctx, id);
    const now = ctx.now;
    assertVotable(proposal, now, caller);
    const rejection: Rejection = {
      ...identityRef(caller),
      rejectedAt: now,
      txId: ctx.txId,
      reason: reasonText,
    };
    const rejections = [...proposal.rejections, rejection];
    const votes = await currentTally(ctx, config, proposal.approvals, rejections);
    const final = votes.defeated;
    const next: RotationProposal = final
      ? { ...proposal, rejections, status: 'rejected', closedAt: now }
      : { ...proposal, rejections };
    await writeJson(ctx, rotationKeys.proposal(ctx, id), next);
    if (final) {
      await ctx.stub.deleteState(rotationKeys.open(ctx, proposal.queueId));
    }
    emitEvent(ctx, 'RotationRejected', {
      proposalId: id,
      queueId: proposal.queueId,
      version: proposal.version,
      rejectedBy: memberRef(caller),
      reason: reasonText,
      rejections: votes.rejections,
      approvals: votes.approvals,
      quorum: votes.quorum,
      validatorCount: votes.validatorCount,
      final,
      status: next.status,
    });
    return result(next);
  }

  /** Validator or admin: closes an open proposal whose TTL has passed (tx time > expiresAt), freeing the queue. */
  @Transaction()
  @Returns('string')
  async ExpireRotation(ctx: KeyLedgerContext, proposalId: string): Promise<string> {
    const caller = await requireRole(ctx, 'validator', 'admin');
    const id = parseId(proposalId, 'proposal id');
    const proposal = await mustProposal(ctx, id);
    const now = ctx.now;
    if (proposal.status !== 'open') {
      throw new ConflictError(`rotation proposal ${id} is ${proposal.status}, not open`);
    }
    if (now <= proposal.expiresAt) {
      throw new ConflictError(
        `rotation proposal ${id} does not expire before ${isoTime(proposal.expiresAt)}`,
      );
    }
    const next: RotationProposal = { ...proposal, status: 'expired', closedAt: now };
    await writeJson(ctx, rotationKeys.proposal(ctx, id), next);
    await ctx.stub.deleteState(rotationKeys.open(ctx, proposal.queueId));
    emitEvent(ctx, 'RotationExpired', {
      proposalId: id,
      queueId: proposal.queueId,
      version: proposal.version,
      expiresAt: proposal.expiresAt,
      expiredBy: memberRef(caller),
    });
    return result(next);
  }

  /**
   * Validator, front-end or admin: marks a committed key version as compromised. Front-ends stop using it;
   * while it is the active version IsRotationDue reports 'compromise'.
   */
  @Transaction()
  @Returns('string')
  async ReportCompromise(ctx: KeyLedgerContext, reportJson: string): Promise<string> {
    const caller = await requireRole(ctx, 'validator', 'frontend', 'admin');
    const input = parseJsonArg(compromiseInputSchema, reportJson, 'compromise report');
    const state = await mustQueue(ctx, input.queueId);
    if (input.version > state.activeVersion) {
      throw new NotFoundError(
        `queue ${input.queueId} has no committed key version ${input.version} (active version ${state.activeVersion})`,
      );
    }
    if (state.compromised.some((record) => record.version === input.version)) {
      throw new ConflictError(
        `key version ${input.version} of queue ${input.queueId} is already reported compromised`,
      );
    }
    const now = ctx.now;
    const record = {
      version: input.version,
      reportedAt: now,
      reportedBy: memberRef(caller),
      reason: input.reason,
    };
    const compromised = [...state.compromised, record].sort((a, b) => a.version - b.version);
    const next: QueueState = { ...state, compromised, updatedAt: now };
    await writeJson(ctx, rotationKeys.queue(ctx, input.queueId), next);
    emitEvent(ctx, 'KeyCompromised', {
      queueId: input.queueId,
      version: input.version,
      activeVersion: state.activeVersion,
      active: input.version === state.activeVersion,
      reportedBy: record.reportedBy,
      reason: input.reason,
    });
    return result(next);
  }

  /**
   * Front-end: adds an aggregated message count for one committed key version. Windows of one reporter must
   * not go backwards or overlap (windowStart ≥ previous windowEnd), so no message is counted twice.
   */
  @Transaction()
  @Returns('string')
  async ReportMessageVolume(ctx: KeyLedgerContext, reportJson: string): Promise<string> {
    const caller = await requireRole(ctx, 'frontend');
    const input = parseJsonArg(volumeInputSchema, reportJson, 'message volume report');
    const now = ctx.now;
    if (input.windowEnd > now) {
      throw new ValidationError(
        `invalid message volume report: windowEnd ${isoTime(input.windowEnd)} is after the transaction time`,
      );
    }
    // The committed-version record is written once and never changed, so reading it (rather than the queue
    // state) keeps volume reports free of MVCC conflicts with commits and compromise reports.
    await mustCommitted(ctx, input.queueId, input.version);
    const key = rotationKeys.volume(ctx, input.queueId, input.version, caller.mspId, caller.fingerprint);
    const previous = await readJson<VolumeRecord>(ctx, key);
    if (previous && input.windowStart < previous.lastWindowEnd) {
      throw new ConflictError(
        `window starts at ${isoTime(input.windowStart)}, before the end of this reporter's previous window ` +
          `(${isoTime(previous.lastWindowEnd)})`,
      );
    }
    const record: VolumeRecord = {
      queueId: input.queueId,
      version: input.version,
      ...identityRef(caller),
      total: (previous?.total ?? 0) + input.count,
      reports: (previous?.reports ?? 0) + 1,
      firstWindowStart: previous?.firstWindowStart ?? input.windowStart,
      lastWindowStart: input.windowStart,
      lastWindowEnd: input.windowEnd,
      updatedAt: now,
    };
    await writeJson(ctx, key, record);
    emitEvent(ctx, 'MessageVolumeReported', {
      queueId: input.queueId,
      version: input.version,
      reporter: memberRef(caller),
      count: input.count,
      reporterTotal: record.total,
      windowStart: input.windowStart,
      windowEnd: input.windowEnd,
    });
    return result(record);
  }

  /** Whether the queue's key should be rotated now, and why (see `due.ts` for the rules). */
  @Transaction(false)
  @Returns('string')
  async IsRotationDue(ctx: KeyLedgerContext, queueId: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseQueueId(queueId);
    const policy = await mustPolicy(ctx, id);
    const state = await mustQueue(ctx, id);
    const now = ctx.now;
    let messages = 0;
    let recipients: string[] = [];
    if (state.activeVersion > 0) {
      const reports = await listByPartialKey<VolumeRecord>(ctx, ObjectType.volumeReport, [
        id,
        sortableInt(state.activeVersion),
      ]);
      messages = reports.reduce((sum, report) => sum + report.total, 0);
      recipients = (await mustCommitted(ctx, id, state.activeVersion)).recipients;
    }
    const frontends = (await membersWithRole(ctx, 'frontend')).map(memberRef);
    const open = await readOpenPointer(ctx, id);
    const openProposal = open
      ? {
          proposalId: open.proposalId,
          version: open.version,
          expiresAt: open.expiresAt,
          expired: now > open.expiresAt,
        }
      : null;
    return result(rotationDue({ policy, state, now, messages, frontends, recipients, openProposal }));
  }

  /** The queue's open proposal (with wrapped keys, so approvers can recompute the digest), or null. */
  @Transaction(false)
  @Returns('string')
  async GetPendingRotation(ctx: KeyLedgerContext, queueId: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseQueueId(queueId);
    await mustQueue(ctx, id);
    const open = await readOpenPointer(ctx, id);
    return result(open ? await mustProposal(ctx, open.proposalId) : null);
  }

  /** Summaries (no wrapped keys) of every open proposal, in queue-id order. */
  @Transaction(false)
  @Returns('string')
  async ListPendingRotations(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    const now = ctx.now;
    const summaries: Record<string, unknown>[] = [];
    for (const pointer of await listOpenPointers(ctx)) {
      const proposal = await mustProposal(ctx, pointer.proposalId);
      summaries.push({ ...summaryOf(proposal), expired: now > proposal.expiresAt });
    }
    return result(summaries);
  }

  @Transaction(false)
  @Returns('string')
  async GetRotation(ctx: KeyLedgerContext, proposalId: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await mustProposal(ctx, parseId(proposalId, 'proposal id')));
  }

  @Transaction(false)
  @Returns('string')
  async GetActiveKey(ctx: KeyLedgerContext, queueId: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseQueueId(queueId);
    const policy = await mustPolicy(ctx, id);
    const state = await mustQueue(ctx, id);
    if (state.activeVersion === 0) {
      throw new NotFoundError(`queue ${id} has no active key yet`);
    }
    const committed = await mustCommitted(ctx, id, state.activeVersion);
    const active: ActiveKey = {
      queueId: id,
      version: committed.version,
      keyId: committed.keyId,
      keyCheckValue: committed.keyCheckValue,
      algorithm: policy.algorithm,
      proposalId: committed.proposalId,
      committedAt: committed.committedAt,
      notBefore: committed.notBefore,
      compromised: isCompromised(state, committed.version),
    };
    return result(active);
  }

  /** Front-end: its own wrapped copy of a committed key version (never another recipient's). */
  @Transaction(false)
  @Returns('string')
  async GetWrappedKey(ctx: KeyLedgerContext, queueId: string, version: string): Promise<string> {
    const caller = await requireRole(ctx, 'frontend');
    const id = parseQueueId(queueId);
    const versionNumber = parseIntArg(version, 'version', 1);
    const committed = await mustCommitted(ctx, id, versionNumber);
    const proposal = await mustProposal(ctx, committed.proposalId);
    const entry = proposal.wrappedKeys.find((candidate) => sameIdentity(candidate, caller));
    if (!entry) {
      throw new NotFoundError(
        `no wrapped key for ${memberRef(caller)} in version ${versionNumber} of queue ${id}`,
      );
    }
    const state = await mustQueue(ctx, id);
    return result({
      queueId: id,
      version: versionNumber,
      keyId: committed.keyId,
      keyCheckValue: committed.keyCheckValue,
      proposalId: committed.proposalId,
      proposer: committed.proposer,
      notBefore: committed.notBefore,
      committedAt: committed.committedAt,
      compromised: isCompromised(state, versionNumber),
      ...entry,
    });
  }

  /**
   * Committed rotations with version > N, in version order, without wrapped keys, each with `compromised`
   * and — once a later version exists — `supersededAt`, from which front-ends count retention by time.
   */
  @Transaction(false)
  @Returns('string')
  async GetRotationsSince(ctx: KeyLedgerContext, queueId: string, version: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseQueueId(queueId);
    const since = parseIntArg(version, 'version', 0);
    const state = await mustQueue(ctx, id);
    const views = withSupersededAt(await listCommitted(ctx, id), state);
    return result(views.filter((rotation) => rotation.version > since));
  }

  /** Every committed version of the queue state (GetHistoryForKey), newest first. */
  @Transaction(false)
  @Returns('string')
  async GetKeyHistory(ctx: KeyLedgerContext, queueId: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseQueueId(queueId);
    await mustQueue(ctx, id);
    const entries: HistoryEntry<QueueState>[] = await readHistory<QueueState>(
      ctx,
      rotationKeys.queue(ctx, id),
    );
    return result({ queueId: id, entries });
  }
}

function isCompromised(state: QueueState, version: number): boolean {
  return state.compromised.some((record) => record.version === version);
}

/**
 * Adds `compromised` and `supersededAt` to committed rotations in version order. A version stops sealing new
 * messages when any later version takes over, so supersededAt is the earliest takeover time after it — not
 * just the next version's, whose notBefore may come after a later one's. It is never before the version's
 * own commit: transaction times come from the submitting clients' clocks, and a later commit stamped by a
 * slow clock must not shorten the retention of the version before it. Derived at query time: the stored
 * records stay write-once (volume reports read them without conflicting with commits).
 */
function withSupersededAt(
  rotations: readonly CommittedRotation[],
  state: QueueState,
): CommittedRotationView[] {
  const views: CommittedRotationView[] = [];
  let earliestLater: number | undefined;
  for (let index = rotations.length - 1; index >= 0; index -= 1) {
    const rotation = rotations[index] as CommittedRotation;
    views.push({
      ...rotation,
      compromised: isCompromised(state, rotation.version),
      ...(earliestLater === undefined ? {} : { supersededAt: Math.max(earliestLater, rotation.committedAt) }),
    });
    const takeover = takesOverAt(rotation);
    earliestLater = earliestLater === undefined ? takeover : Math.min(earliestLater, takeover);
  }
  return views.reverse();
}

/** Rejects a vote on a proposal that is closed, expired, or already voted on by the caller. */
function assertVotable(proposal: RotationProposal, now: number, caller: MemberIdentity): void {
  const id = proposal.proposalId;
  if (proposal.status !== 'open') {
    throw new ConflictError(`rotation proposal ${id} is ${proposal.status}, not open`);
  }
  if (now > proposal.expiresAt) {
    throw new ConflictError(`rotation proposal ${id} expired at ${isoTime(proposal.expiresAt)}`);
  }
  const ref = memberRef(caller);
  if (proposal.approvals.some((approval) => memberRef(approval) === ref)) {
    throw new ConflictError(`${ref} has already approved rotation proposal ${id}`);
  }
  if (proposal.rejections.some((rejection) => memberRef(rejection) === ref)) {
    throw new ConflictError(`${ref} has already rejected rotation proposal ${id}`);
  }
}

/**
 * The caller's approval. A signature, when given, must verify over the proposal digest with the caller's own
 * certificate; the certificate is stored with it so that anyone can re-verify the approval later.
 */
function approvalOf(ctx: KeyLedgerContext, payload: Uint8Array, signature: string | undefined): Approval {
  const base = {
    ...identityRef(ctx.caller),
    approvedAt: ctx.now,
    txId: ctx.txId,
  };
  if (signature === undefined) {
    return base;
  }
  const certificate = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
  if (!verifySignature(callerCertificate(ctx).publicKey, payload, Buffer.from(signature, 'base64'))) {
    throw new ValidationError(
      'invalid signature: it does not verify over the proposal digest with the caller certificate key',
    );
  }
  return { ...base, signature, certificate };
}

async function currentTally(
  ctx: KeyLedgerContext,
  config: GovernanceConfig,
  approvals: readonly MemberIdentity[],
  rejections: readonly MemberIdentity[],
): Promise<Tally> {
  const validators = await membersWithRole(ctx, 'validator');
  return tally(config.quorumRule, validators, approvals, rejections);
}

function summaryOf(proposal: RotationProposal): Record<string, unknown> {
  return {
    proposalId: proposal.proposalId,
    queueId: proposal.queueId,
    version: proposal.version,
    keyId: proposal.keyId,
    keyCheckValue: proposal.keyCheckValue,
    digest: proposal.digest,
    reason: proposal.reason,
    proposer: memberRef(proposal.proposer),
    recipients: proposal.wrappedKeys.map(memberRef),
    notBefore: proposal.notBefore,
    proposedAt: proposal.proposedAt,
    expiresAt: proposal.expiresAt,
  };
}

/**
 * Commits a proposal that reached quorum, in the transaction that reached it: the proposal closes as
 * 'committed' with its approvals and the quorum it was decided with, the queue's active version advances,
 * and a per-version record is written for "rotations since N". Emits `RotationCommitted`.
 */
async function commitRotation(
  ctx: KeyLedgerContext,
  proposal: RotationProposal,
  state: QueueState,
  votes: Tally,
  hadOpenPointer: boolean,
): Promise<string> {
  const now = ctx.now;
  const committedProposal: RotationProposal = {
    ...proposal,
    status: 'committed',
    closedAt: now,
    quorum: votes.quorum,
    validatorCount: votes.validatorCount,
  };
  const nextState: QueueState = {
    ...state,
    activeVersion: proposal.version,
    activeKeyId: proposal.keyId,
    activeKeyCheckValue: proposal.keyCheckValue,
    activeProposalId: proposal.proposalId,
    committedAt: now,
    notBefore: proposal.notBefore,
    updatedAt: now,
  };
  const record: CommittedRotation = {
    queueId: proposal.queueId,
    version: proposal.version,
    keyId: proposal.keyId,
    keyCheckValue: proposal.keyCheckValue,
    proposalId: proposal.proposalId,
    digest: proposal.digest,
    reason: proposal.reason,
    proposer: proposal.proposer,
    notBefore: proposal.notBefore,
    committedAt: now,
    approvals: proposal.approvals,
    quorum: votes.quorum,
    validatorCount: votes.validatorCount,
    recipients: proposal.wrappedKeys.map(memberRef),
  };
  await writeJson(ctx, rotationKeys.proposal(ctx, proposal.proposalId), committedProposal);
  await writeJson(ctx, rotationKeys.queue(ctx, proposal.queueId), nextState);
  await writeJson(ctx, rotationKeys.committed(ctx, proposal.queueId, proposal.version), record);
  if (hadOpenPointer) {
    await ctx.stub.deleteState(rotationKeys.open(ctx, proposal.queueId));
  }
  emitEvent(ctx, 'RotationCommitted', {
    queueId: proposal.queueId,
    version: proposal.version,
    keyId: proposal.keyId,
    keyCheckValue: proposal.keyCheckValue,
    proposalId: proposal.proposalId,
    digest: proposal.digest,
    approvals: proposal.approvals.map(memberRef),
    quorum: votes.quorum,
    validatorCount: votes.validatorCount,
    reason: proposal.reason,
    notBefore: proposal.notBefore,
    committedAt: now,
  });
  return result(committedProposal);
}
