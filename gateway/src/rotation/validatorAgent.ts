import { createPublicKey, randomBytes, randomInt, type JsonWebKey, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { digestPayload, memberRef, type Member } from '@keyledger/chaincode/protocol';
import { eventPayload, LedgerError, signPayload } from '../fabric';
import { GovernanceLedger, type MemberRef } from '../governance';
import {
  destroyKey,
  generateAesKey,
  keyCheckValue,
  p256PointFromPublicKey,
  wrapKeyForRecipient,
} from '../hsm';
import { errorText } from '../logging';
import {
  closeParticipant,
  KeyedSerializer,
  LedgerLoop,
  openParticipant,
  startParticipant,
  type Participant,
  type FollowOptions,
  type ParticipantOptions,
} from '../participant';
import { RotationPreconditionError } from './errors';
import { RotationLedger, type ProposeRotationInput } from './ledger';
import type { RotationDue, RotationProposal, RotationReason, ValidatorAgentHandle } from './types';
import { reviewProposal } from './verify';

export interface ValidatorAgentOptions extends ParticipantOptions, FollowOptions {
  /** How often every queue is checked with IsRotationDue (default 5 s). */
  readonly pollIntervalMs?: number;
  /**
   * Upper bound of a random delay before proposing a due rotation (default 300 ms), so validators that see
   * "due" at the same moment rarely race; the ledger admits only one open proposal anyway, and the loser
   * approves the winner.
   */
  readonly proposeJitterMs?: number;
  /** How far a proposal's notBefore may lie ahead of this validator's clock (default 5 min). */
  readonly maxClockSkewMs?: number;
  /** Only these queues (default: every queue on the ledger). */
  readonly queues?: readonly string[];
  /** Propose rotations that are due (default true). */
  readonly autoPropose?: boolean;
  /** Review and vote on other validators' proposals (default true). */
  readonly autoVote?: boolean;
}

export type ReviewOutcome =
  | { readonly decision: 'approved'; readonly proposal: RotationProposal }
  | { readonly decision: 'rejected'; readonly proposal: RotationProposal; readonly reasons: string[] }
  | { readonly decision: 'skipped'; readonly why: string };

export interface ValidatorAgentStats {
  proposed: number;
  approved: number;
  rejected: number;
  conflicts: number;
  expired: number;
  polls: number;
  errors: number;
}

const KEY_WRAP_LABEL = 'keyledger-rotation';
const MAX_REASON_LENGTH = 1024;

/** Maps IsRotationDue reasons to the reason a proposal states. */
export function proposalReasonFor(due: RotationDue): RotationReason {
  if (due.reasons.includes('compromise')) {
    return 'compromise';
  }
  if (due.reasons.includes('volume')) {
    return 'volume';
  }
  return 'schedule';
}

function publicKeyObject(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.startsWith('{')
    ? createPublicKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
    : createPublicKey(trimmed);
}

/** The P-256 point of a front-end's published key-wrapping key. */
export function wrappingPointOf(
  member: Pick<Member, 'name' | 'mspId' | 'fingerprint' | 'publicKey'>,
): Buffer {
  if (member.publicKey === undefined) {
    throw new RotationPreconditionError({
      message: `front-end ${member.name} (${memberRef(member)}) has not published its key-wrapping key yet`,
    });
  }
  try {
    return p256PointFromPublicKey(publicKeyObject(member.publicKey));
  } catch {
    throw new RotationPreconditionError({
      message: `front-end ${member.name} (${memberRef(member)}) published a key that is not a P-256 public key`,
    });
  }
}

/** UTF-8 of `${queueId}/${version}/${keyId}`: binds a wrapped copy to its queue, version and key id. */
export function wrapContext(queueId: string, version: number, keyId: string): Buffer {
  return Buffer.from(`${queueId}/${version}/${keyId}`, 'utf8');
}

function isConflict(error: unknown): error is LedgerError {
  return error instanceof LedgerError && error.kind === 'CONFLICT';
}

/**
 * A validator's agent. It watches every queue's key policy (IsRotationDue, polled and nudged by events) and
 * proposes a rotation when one is due — interval elapsed, reported message volume at the limit, the active
 * version compromised, or the set of front-ends changed — or on demand. A proposal's key is generated in
 * this validator's token, wrapped there for each registered front-end's published P-256 key and destroyed:
 * the validator never needs it again. Other validators' proposals are reviewed ({@link reviewProposal}) and
 * approved with a signature over the proposal digest, or rejected with the reasons.
 */
export class ValidatorAgent implements ValidatorAgentHandle {
  readonly name: string;
  readonly identity: MemberRef;
  readonly stats: ValidatorAgentStats = {
    proposed: 0,
    approved: 0,
    rejected: 0,
    conflicts: 0,
    expired: 0,
    polls: 0,
    errors: 0,
  };
  readonly #options: ValidatorAgentOptions;
  readonly #p: Participant;
  readonly #rotation: RotationLedger;
  readonly #governance: GovernanceLedger;
  readonly #loop: LedgerLoop;
  readonly #serial = new KeyedSerializer();
  /** Why a due rotation of a queue cannot be proposed, as last logged. */
  readonly #blocked = new Map<string, string>();
  #stopping: Promise<void> | undefined;

  private constructor(options: ValidatorAgentOptions, participant: Participant) {
    this.name = options.name;
    this.#options = options;
    this.#p = participant;
    this.#rotation = new RotationLedger(participant.connection);
    this.#governance = new GovernanceLedger(participant.connection);
    this.identity = { mspId: participant.identity.mspId, fingerprint: participant.identity.fingerprint };
    this.#loop = new LedgerLoop({
      participant,
      follow: options,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
      firstPollDelayMs: 0,
      onEvent: (event) => this.#onEvent(event),
      poll: () => this.pollOnce(),
    });
  }

  get #stopped(): boolean {
    return this.#loop.stopped;
  }

  /** Opens the token and ledger connection, starts following events and polling. */
  static async start(options: ValidatorAgentOptions): Promise<ValidatorAgent> {
    return startParticipant(
      openParticipant(options, 'validator-agent'),
      (participant) => new ValidatorAgent(options, participant),
      (agent) => agent.#begin(),
    );
  }

  get logger(): Participant['logger'] {
    return this.#p.logger;
  }

  async #begin(): Promise<void> {
    const whoami = await this.#governance.whoAmI();
    if (!whoami.roles.includes('validator')) {
      this.#p.logger.warn(
        { roles: whoami.roles },
        'this identity is not a registered validator: its proposals and votes will be refused',
      );
    }
    await this.#loop.start();
    this.#p.logger.info(
      { pollIntervalMs: this.#options.pollIntervalMs ?? 5_000, roles: whoami.roles },
      'validator agent started',
    );
  }

  /** One pass over every watched queue. */
  async pollOnce(): Promise<void> {
    this.stats.polls += 1;
    let queues: readonly string[];
    try {
      queues = this.#options.queues ?? (await this.#rotation.listQueues()).map((queue) => queue.queueId);
    } catch (error) {
      this.stats.errors += 1;
      this.#p.logger.warn({ error: errorText(error) }, 'listing queues failed');
      return;
    }
    for (const queueId of queues) {
      if (this.#stopped) {
        return;
      }
      await this.checkQueue(queueId).catch(() => undefined);
    }
  }

  /**
   * Looks at one queue: expires an open proposal past its TTL, reviews an open proposal of another
   * validator, or proposes a rotation when one is due and none is open.
   */
  checkQueue(queueId: string): Promise<void> {
    return this.#serial.run(queueId, async () => {
      try {
        await this.#check(queueId);
      } catch (error) {
        this.stats.errors += 1;
        this.#p.logger.warn({ queueId, error: errorText(error) }, 'checking queue failed');
        throw error;
      }
    });
  }

  async #check(queueId: string): Promise<void> {
    let due = await this.#rotation.isRotationDue(queueId);
    if (due.openProposal?.expired) {
      await this.#expire(due.openProposal.proposalId, queueId);
      due = await this.#rotation.isRotationDue(queueId);
    }
    if (due.openProposal && !due.openProposal.expired) {
      if (this.#options.autoVote ?? true) {
        await this.#reviewOpen(queueId);
      }
      return;
    }
    if (!due.due || !(this.#options.autoPropose ?? true) || this.#stopped) {
      return;
    }
    const jitter = this.#options.proposeJitterMs ?? 300;
    if (jitter > 0) {
      await sleep(randomInt(jitter + 1));
      due = await this.#rotation.isRotationDue(queueId);
      if (!due.due || (due.openProposal && !due.openProposal.expired) || this.#stopped) {
        if (due.openProposal && (this.#options.autoVote ?? true)) {
          await this.#reviewOpen(queueId);
        }
        return;
      }
    }
    const reason = proposalReasonFor(due);
    try {
      await this.#propose(queueId, reason, due);
    } catch (error) {
      if (isConflict(error)) {
        this.stats.conflicts += 1;
        const now = await this.#rotation.isRotationDue(queueId);
        if (now.openProposal === null) {
          // Nobody was quicker: the ledger holds rotations back after a commit (minRotationIntervalMs). The
          // next poll after nextAllowedAt proposes again.
          this.#p.logger.info(
            { queueId, nextAllowedAt: new Date(now.nextAllowedAt).toISOString(), reason: error.message },
            'rotation held back by the minimum interval; waiting',
          );
          return;
        }
        // Another validator was quicker: only one proposal can be open. Vote on theirs instead.
        this.#p.logger.info(
          { queueId, reason: error.message },
          'another proposal won the race; reviewing it',
        );
        if (this.#options.autoVote ?? true) {
          await this.#reviewOpen(queueId);
        }
        return;
      }
      if (error instanceof RotationPreconditionError) {
        // Logged once per queue and cause, not on every poll.
        if (this.#blocked.get(queueId) !== error.message) {
          this.#blocked.set(queueId, error.message);
          this.#p.logger.warn(
            { queueId, due: due.reasons, why: error.message },
            'rotation due but not possible yet',
          );
        }
        return;
      }
      throw error;
    }
  }

  async #expire(proposalId: string, queueId: string): Promise<void> {
    try {
      await this.#rotation.expireRotation(proposalId);
      this.stats.expired += 1;
      this.#p.logger.info({ queueId, proposalId }, 'expired a stale rotation proposal');
    } catch (error) {
      if (!isConflict(error)) {
        throw error;
      }
    }
  }

  // ------------------------------------------------------------------------------------------- proposing

  /** Generates a key in this validator's token, wraps it for every front-end and proposes version active+1. */
  rotateNow(queueId: string, reason: 'manual' | 'compromise'): Promise<RotationProposal> {
    return this.#serial.run(queueId, async () => {
      let due = await this.#rotation.isRotationDue(queueId);
      if (due.openProposal?.expired) {
        await this.#expire(due.openProposal.proposalId, queueId);
        due = await this.#rotation.isRotationDue(queueId);
      }
      return this.#propose(queueId, reason, due);
    });
  }

  /**
   * Records the compromise on the ledger (front-ends stop encrypting with that version at once) and makes
   * sure a replacement is under way: an open proposal is voted for and returned; otherwise this agent
   * proposes one with reason 'compromise'. When the reported version is not the active one, the active
   * version already replaces it and its (committed) proposal is returned.
   */
  reportCompromise(queueId: string, version: number, reason: string): Promise<RotationProposal> {
    return this.#serial.run(queueId, async () => {
      try {
        await this.#rotation.reportCompromise(queueId, version, reason);
        this.#p.logger.warn({ queueId, version, reason }, 'key version reported compromised');
      } catch (error) {
        if (!(isConflict(error) && /already reported compromised/.test(error.message))) {
          throw error;
        }
      }
      let due = await this.#rotation.isRotationDue(queueId);
      if (due.openProposal?.expired) {
        await this.#expire(due.openProposal.proposalId, queueId);
        due = await this.#rotation.isRotationDue(queueId);
      }
      if (due.openProposal) {
        const outcome = await this.#reviewOpen(queueId);
        if (outcome.decision !== 'skipped') {
          return outcome.proposal;
        }
        return this.#rotation.getRotation(due.openProposal.proposalId);
      }
      if (version !== due.activeVersion) {
        const [active] = await this.#rotation.getRotationsSince(queueId, due.activeVersion - 1);
        if (active) {
          return this.#rotation.getRotation(active.proposalId);
        }
      }
      return this.#propose(queueId, 'compromise', due);
    });
  }

  async #propose(queueId: string, reason: RotationReason, due: RotationDue): Promise<RotationProposal> {
    const { token, identity, logger } = this.#p;
    const ledger = this.#rotation;
    const version = due.activeVersion + 1;
    const frontends = await this.#governance.listMembers('frontend');
    if (frontends.length === 0) {
      throw new RotationPreconditionError({ message: 'no front-end is registered to receive the key' });
    }
    const recipients = frontends.map((member) => ({ member, point: wrappingPointOf(member) }));
    const keyId = `${queueId}.v${version}.${randomBytes(8).toString('hex')}`;
    if (keyId.length > 128) {
      throw new RotationPreconditionError({ message: `queue id ${queueId} is too long for a key id` });
    }
    const context = wrapContext(queueId, version, keyId);
    const key = generateAesKey(token, { label: `${KEY_WRAP_LABEL}/${keyId}`, extractable: true });
    let keyCheck: string;
    let wrappedKeys: ProposeRotationInput['wrappedKeys'];
    try {
      keyCheck = keyCheckValue(token, key);
      wrappedKeys = recipients.map(({ member, point }) => {
        const wrapped = wrapKeyForRecipient(token, key, point, context);
        return {
          mspId: member.mspId,
          fingerprint: member.fingerprint,
          wrappedKey: wrapped.wrappedKey.toString('base64'),
          ephemeralPublicKey: wrapped.ephemeralPublicKey.toString('base64'),
        };
      });
    } finally {
      // The validator has no use for the key once it is wrapped: only front-ends hold it.
      destroyKey(token, key);
    }
    const input: ProposeRotationInput = {
      queueId,
      version,
      keyId,
      keyCheckValue: keyCheck,
      wrappedKeys,
      notBefore: Date.now(),
      reason,
    };
    const payload = digestPayload({ ...input, proposer: this.identity });
    const signature = Buffer.from(await signPayload(identity.signer, payload)).toString('base64');
    try {
      const proposal = await ledger.proposeRotation({ ...input, signature });
      this.stats.proposed += 1;
      this.#blocked.delete(queueId);
      logger.info(
        {
          queueId,
          version,
          keyId,
          keyCheckValue: keyCheck,
          reason,
          recipients: wrappedKeys.length,
          proposalId: proposal.proposalId,
          status: proposal.status,
        },
        'rotation proposed',
      );
      return proposal;
    } catch (error) {
      // The answer may have been lost after the proposal committed: if ours is on the ledger, it is ours.
      const landed = await this.#findOwnProposal(queueId, version, keyId).catch(() => undefined);
      if (landed) {
        this.stats.proposed += 1;
        return landed;
      }
      throw error;
    }
  }

  async #findOwnProposal(
    queueId: string,
    version: number,
    keyId: string,
  ): Promise<RotationProposal | undefined> {
    const pending = await this.#rotation.getPendingRotation(queueId);
    if (pending?.keyId === keyId) {
      return pending;
    }
    const committed = (await this.#rotation.getRotationsSince(queueId, version - 1)).find(
      (rotation) => rotation.keyId === keyId,
    );
    return committed ? this.#rotation.getRotation(committed.proposalId) : undefined;
  }

  // ------------------------------------------------------------------------------------------- reviewing

  /** Reviews the queue's open proposal and votes on it, unless this validator proposed or voted already. */
  reviewOpenProposal(queueId: string): Promise<ReviewOutcome> {
    return this.#serial.run(queueId, () => this.#reviewOpen(queueId));
  }

  async #reviewOpen(queueId: string): Promise<ReviewOutcome> {
    const { identity, logger } = this.#p;
    const ledger = this.#rotation;
    const proposal = await ledger.getPendingRotation(queueId);
    if (proposal === null) {
      return { decision: 'skipped', why: 'no open proposal' };
    }
    const me = memberRef(this.identity);
    if (memberRef(proposal.proposer) === me) {
      return { decision: 'skipped', why: 'own proposal' };
    }
    if ([...proposal.approvals, ...proposal.rejections].some((vote) => memberRef(vote) === me)) {
      return { decision: 'skipped', why: 'already voted' };
    }
    const [due, policy, validators, frontends, active] = await Promise.all([
      ledger.isRotationDue(queueId),
      ledger.getKeyPolicy(queueId),
      this.#governance.listValidators(),
      this.#governance.listMembers('frontend'),
      ledger.getActiveKey(queueId),
    ]);
    const problems = reviewProposal({
      proposal,
      openProposalId: due.openProposal?.proposalId ?? null,
      due,
      policy,
      validators,
      frontends,
      ...(active ? { activeKeyCheckValue: active.keyCheckValue } : {}),
      now: Date.now(),
      ...(this.#options.maxClockSkewMs !== undefined ? { maxClockSkewMs: this.#options.maxClockSkewMs } : {}),
    });
    const fields = {
      queueId,
      proposalId: proposal.proposalId,
      version: proposal.version,
      keyId: proposal.keyId,
      reason: proposal.reason,
      proposer: memberRef(proposal.proposer),
    };
    try {
      if (problems.length === 0) {
        const signature = await signPayload(identity.signer, digestPayload(proposal));
        const result = await ledger.approveRotation(
          proposal.proposalId,
          Buffer.from(signature).toString('base64'),
        );
        this.stats.approved += 1;
        logger.info(
          { ...fields, status: result.status, approvals: result.approvals.length },
          'rotation approved',
        );
        return { decision: 'approved', proposal: result };
      }
      let reason = `rejected by ${this.name}: ${problems.join('; ')}`;
      if (reason.length > MAX_REASON_LENGTH) {
        reason = `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
      }
      const result = await ledger.rejectRotation(proposal.proposalId, reason);
      this.stats.rejected += 1;
      logger.warn({ ...fields, problems, status: result.status }, 'rotation rejected');
      return { decision: 'rejected', proposal: result, reasons: problems };
    } catch (error) {
      if (isConflict(error)) {
        // Closed, expired or voted on meanwhile (another path of ours, or the quorum was reached already).
        this.stats.conflicts += 1;
        return { decision: 'skipped', why: error.message };
      }
      throw error;
    }
  }

  // ------------------------------------------------------------------------------------------- events

  async #onEvent(event: ChaincodeEvent): Promise<void> {
    const payload = eventPayload<{ queueId: string; proposer: string }>(event);
    const queueId = payload?.queueId;
    if (queueId === undefined || (this.#options.queues && !this.#options.queues.includes(queueId))) {
      return;
    }
    switch (event.eventName) {
      case 'RotationProposed':
        if (payload?.proposer !== memberRef(this.identity) && (this.#options.autoVote ?? true)) {
          void this.reviewOpenProposal(queueId).catch((error: unknown) => {
            this.stats.errors += 1;
            this.#p.logger.warn({ queueId, error: errorText(error) }, 'reviewing a proposal failed');
          });
        }
        return;
      case 'KeyCompromised':
      case 'KeyPolicySet':
        // (Rejections and expiries wait for the next poll: re-proposing at once could loop against
        // validators that keep rejecting.)
        void this.checkQueue(queueId).catch(() => undefined);
        return;
      default:
        return;
    }
  }

  /** Stops events and polling and waits for work in progress; closes the connection and an owned token. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#loop.stop();
      await this.#serial.idle();
      closeParticipant(this.#p);
      this.#p.logger.info(this.stats, 'validator agent stopped');
    })();
    return this.#stopping;
  }
}
