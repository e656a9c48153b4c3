import type { NonceCommitments } from '@noble/curves/abstract/frost.js';
import { fromHex } from './bytes';
import { ThresholdOperationError, ThresholdRefusalError } from '../errors';
import { frost, groupPublicKey, identifierOf } from '../math';
import type { LedgerSession, ProtocolContext, ProtocolPeer } from './ports';
import { messageDigestOf, type SessionGuard } from './sessionGuard';
import { publicOf, type SessionSigner } from './signer';
import {
  MODULE_PATHS,
  type CommitResponse,
  type CoordinateRequest,
  type CoordinateResponse,
  type NonceCommitmentWire,
  type SignedResponse,
  type SignShareResponse,
} from './wire';

export interface CoordinatorOptions {
  /** How long a module has to answer one round (default 1 500 ms); slower ones are reported late. */
  readonly roundTimeoutMs?: number;
  /** Signing attempts before giving up (default 3): each attempt drops the cheaters of the previous one. */
  readonly maxAttempts?: number;
}

type Answer<T> =
  | { readonly moduleId: string; readonly ok: true; readonly value: T }
  | { readonly moduleId: string; readonly ok: false; readonly late: boolean; readonly error: unknown };

function isTimeout(error: unknown): boolean {
  const kind = (error as { kind?: unknown } | undefined)?.kind;
  const name = (error as { name?: unknown } | undefined)?.name;
  return kind === 'timeout' || name === 'TimeoutError' || name === 'AbortError';
}

/**
 * The coordinator of a signing session, as the ledger chose it: gathers nonce commitments from the eligible
 * modules, asks every module that committed for its signature share, verifies every share against the signer's
 * verifying share on the ledger before aggregating, retries without the cheaters while t honest modules remain,
 * and closes the session on the ledger in one transaction with the signed answers, the cheaters and the late.
 * The group key is never reconstructed; the coordinator holds only public values and its own share's output.
 */
export class SigningCoordinator {
  readonly #context: ProtocolContext;
  readonly #guard: SessionGuard;
  readonly #local: SessionSigner;
  readonly #roundTimeoutMs: number;
  readonly #maxAttempts: number;

  constructor(
    context: ProtocolContext,
    guard: SessionGuard,
    local: SessionSigner,
    options: CoordinatorOptions = {},
  ) {
    this.#context = context;
    this.#guard = guard;
    this.#local = local;
    this.#roundTimeoutMs = options.roundTimeoutMs ?? 1_500;
    this.#maxAttempts = options.maxAttempts ?? 3;
  }

  async coordinate(request: CoordinateRequest): Promise<CoordinateResponse> {
    const session = await this.#guard.session(request.sessionId, 'sign', undefined);
    if (session.coordinator !== this.#context.moduleId) {
      throw new ThresholdRefusalError({
        code: 'not-eligible',
        message: `session ${session.sessionId} is coordinated by ${session.coordinator}, not ${this.#context.moduleId}`,
      });
    }
    const message = Buffer.from(request.message, 'base64');
    if (messageDigestOf(message) !== session.messageDigest) {
      throw new ThresholdRefusalError({
        code: 'message-mismatch',
        message: `the message does not hash to the digest session ${session.sessionId} was opened for`,
      });
    }
    const pub = publicOf(await this.#guard.commitments(session.keyId, session.commitmentsEpoch));
    const indexOf = new Map(session.eligible.map((entry) => [entry.moduleId, entry.shareIndex]));
    const cheaters = new Set<string>();
    const late = new Set<string>();
    const unreachable = new Set<string>();
    const responses = new Map<string, SignedResponse>();
    let candidates = session.eligible.map((entry) => entry.moduleId);
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt += 1) {
      const committed = await this.#round(candidates, (peer) =>
        peer.moduleId === this.#context.moduleId
          ? this.#local.commit({ sessionId: session.sessionId, attempt }, undefined)
          : peer.call<CommitResponse>(
              'POST',
              MODULE_PATHS.commit,
              { sessionId: session.sessionId, attempt },
              { timeoutMs: this.#roundTimeoutMs },
            ),
      );
      const usable: { moduleId: string; commitments: NonceCommitmentWire }[] = [];
      for (const answer of committed) {
        if (
          answer.ok &&
          answer.value.commitments.identifier === identifierOf(indexOf.get(answer.moduleId) ?? 0)
        ) {
          usable.push({ moduleId: answer.moduleId, commitments: answer.value.commitments });
        } else if (!answer.ok) {
          (answer.late ? late : unreachable).add(answer.moduleId);
          this.#context.logger.warn({ err: answer.error, moduleId: answer.moduleId }, 'no nonce commitment');
        }
      }
      candidates = usable.map((entry) => entry.moduleId);
      if (usable.length < session.threshold) {
        return this.#fail(
          session,
          `only ${usable.length} of the t = ${session.threshold} modules needed answered`,
          {
            cheaters,
            late,
            unreachable,
            responses,
          },
        );
      }
      // Every module that committed signs (FROST takes any set of at least t): each share is verified, so every
      // cheater among them is caught at once, not only those that happened to be among the first t.
      const signers = usable;
      const commitmentList = signers
        .map((entry) => entry.commitments)
        .sort((a, b) => (a.identifier < b.identifier ? -1 : 1));
      const shares = await this.#round(
        signers.map((entry) => entry.moduleId),
        (peer) => {
          const body = { sessionId: session.sessionId, attempt, message: request.message, commitmentList };
          return peer.moduleId === this.#context.moduleId
            ? this.#local.signShare(body, undefined)
            : peer.call<SignShareResponse>('POST', MODULE_PATHS.signShare, body, {
                timeoutMs: this.#roundTimeoutMs,
              });
        },
      );
      const list: NonceCommitments[] = commitmentList.map((entry) => ({
        identifier: entry.identifier,
        hiding: fromHex(entry.hiding),
        binding: fromHex(entry.binding),
      }));
      const valid: Record<string, Uint8Array> = {};
      const signedBy: string[] = [];
      for (const answer of shares) {
        if (!answer.ok) {
          (answer.late ? late : unreachable).add(answer.moduleId);
          candidates = candidates.filter((id) => id !== answer.moduleId);
          continue;
        }
        const identifier = identifierOf(indexOf.get(answer.moduleId) ?? 0);
        const share = fromHex(answer.value.signatureShare);
        responses.set(answer.moduleId, answer.value.response);
        if (frost.verifyShare(pub, list, message, identifier, share)) {
          valid[identifier] = share;
          signedBy.push(answer.moduleId);
        } else {
          cheaters.add(answer.moduleId);
          candidates = candidates.filter((id) => id !== answer.moduleId);
          this.#context.logger.warn(
            { moduleId: answer.moduleId, sessionId: session.sessionId },
            'invalid signature share',
          );
        }
      }
      if (signedBy.length === signers.length) {
        const signature = frost.aggregate(pub, list, message, valid);
        const groupKey = groupPublicKey(pub);
        if (!frost.verify(signature, message, groupKey)) {
          return this.#fail(session, 'the aggregated signature does not verify', {
            cheaters,
            late,
            unreachable,
            responses,
          });
        }
        const signerSet = new Set(signedBy);
        const kept = [...responses].filter(([id]) => signerSet.has(id) || cheaters.has(id));
        for (const id of signedBy) {
          late.delete(id);
          unreachable.delete(id);
        }
        await this.#context.ledger.closeSession({
          sessionId: session.sessionId,
          outcome: 'success',
          cheaters: [...cheaters].sort(),
          late: [...late].filter((id) => !responses.has(id)).sort(),
          reason:
            cheaters.size > 0 ? `invalid signature share from ${[...cheaters].sort().join(', ')}` : 'signed',
          responses: kept.map(([, response]) => response),
        });
        return {
          sessionId: session.sessionId,
          signature: Buffer.from(signature).toString('hex'),
          groupPublicKey: Buffer.from(groupKey).toString('hex'),
          signers: signedBy.sort(),
          cheaters: [...cheaters].sort(),
          late: [...late].sort(),
          unreachable: [...unreachable].sort(),
          attempts: attempt,
        };
      }
    }
    return this.#fail(session, `no signature after ${this.#maxAttempts} attempts`, {
      cheaters,
      late,
      unreachable,
      responses,
    });
  }

  async #round<T>(
    moduleIds: readonly string[],
    ask: (peer: ProtocolPeer) => Promise<T>,
  ): Promise<Answer<T>[]> {
    return Promise.all(
      moduleIds.map(async (moduleId): Promise<Answer<T>> => {
        const signal = AbortSignal.timeout(this.#roundTimeoutMs);
        try {
          const peer: ProtocolPeer =
            moduleId === this.#context.moduleId
              ? { moduleId, call: () => Promise.reject(new Error('local')) }
              : await this.#context.peers.client(moduleId);
          const value = await Promise.race([
            ask(peer),
            new Promise<never>((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
            ),
          ]);
          return { moduleId, ok: true, value };
        } catch (error) {
          return { moduleId, ok: false, late: signal.aborted || isTimeout(error), error };
        }
      }),
    );
  }

  async #fail(
    session: LedgerSession,
    why: string,
    state: {
      cheaters: Set<string>;
      late: Set<string>;
      unreachable: Set<string>;
      responses: Map<string, SignedResponse>;
    },
  ): Promise<never> {
    const cheaters = [...state.cheaters].sort();
    const late = [...state.late].filter((id) => !state.responses.has(id)).sort();
    try {
      await this.#context.ledger.closeSession({
        sessionId: session.sessionId,
        outcome: 'failure',
        cheaters,
        late,
        reason: why,
        responses: [...state.responses]
          .filter(([id]) => state.cheaters.has(id))
          .map(([, response]) => response),
      });
    } catch (error) {
      this.#context.logger.error({ err: error, sessionId: session.sessionId }, 'failed session not closed');
    }
    throw new ThresholdOperationError({
      message: `session ${session.sessionId}: ${why}`,
      sessionId: session.sessionId,
      cheaters,
      late,
      unreachable: [...state.unreachable].sort(),
    });
  }
}
