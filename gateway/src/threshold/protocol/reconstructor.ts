import { canonicalJson } from '@keyledger/chaincode/protocol';
import { ThresholdOperationError, ThresholdRefusalError } from '../errors';
import { openWithGroupSecret } from '../math/escrow';
import { deriveEpochKey, InsufficientSharesError, reconstructVerified, wipe } from '../math';
import type { ProtocolContext, ProtocolPeer } from './ports';
import { messageDigestOf, type SessionGuard } from './sessionGuard';
import { publicOf, type SessionSigner } from './signer';
import {
  MODULE_PATHS,
  type ReconstructOperation,
  type ReconstructRequest,
  type ReconstructResponse,
  type ReleaseShareResponse,
  type SignedResponse,
} from './wire';

/** The digest a reconstruction session is opened for: it binds the session to one operation. */
export function operationDigest(operation: ReconstructOperation): string {
  return messageDigestOf(Buffer.from(canonicalJson(operation), 'utf8'));
}

/**
 * Break-glass reconstruction, only inside a session the ledger opened for exactly this operation: the
 * coordinator collects shares from the eligible modules, verifies each against the ledger's commitments and
 * verifying shares before use (a bad one names its sender a cheater), rebuilds the group secret for the one
 * operation and wipes it at once. Only the operation's result leaves: an unwrapped escrow, or a per-epoch key
 * derived by HKDF — never the secret itself.
 */
export class Reconstructor {
  readonly #context: ProtocolContext;
  readonly #guard: SessionGuard;
  readonly #local: SessionSigner;
  readonly #roundTimeoutMs: number;

  constructor(context: ProtocolContext, guard: SessionGuard, local: SessionSigner, roundTimeoutMs = 1_500) {
    this.#context = context;
    this.#guard = guard;
    this.#local = local;
    this.#roundTimeoutMs = roundTimeoutMs;
  }

  async reconstruct(request: ReconstructRequest): Promise<ReconstructResponse> {
    const session = await this.#guard.session(request.sessionId, 'reconstruct', undefined);
    if (session.coordinator !== this.#context.moduleId) {
      throw new ThresholdRefusalError({
        code: 'not-eligible',
        message: `session ${session.sessionId} is coordinated by ${session.coordinator}, not ${this.#context.moduleId}`,
      });
    }
    if (operationDigest(request.operation) !== session.messageDigest) {
      throw new ThresholdRefusalError({
        code: 'message-mismatch',
        message: `session ${session.sessionId} was not opened for this operation`,
      });
    }
    const pub = publicOf(await this.#guard.commitments(session.keyId, session.commitmentsEpoch));
    const unreachable: string[] = [];
    const released = (
      await Promise.all(
        session.eligible.map(async (entry): Promise<ReleaseShareResponse | undefined> => {
          try {
            if (entry.moduleId === this.#context.moduleId) {
              return await this.#local.release(session.sessionId, undefined);
            }
            const peer: ProtocolPeer = await this.#context.peers.client(entry.moduleId);
            const answer = await peer.call<ReleaseShareResponse>(
              'POST',
              MODULE_PATHS.releaseShare,
              { sessionId: session.sessionId },
              { timeoutMs: this.#roundTimeoutMs },
            );
            return answer.shareIndex === entry.shareIndex && answer.moduleId === entry.moduleId
              ? answer
              : undefined;
          } catch (error) {
            this.#context.logger.warn({ err: error, moduleId: entry.moduleId }, 'share not released');
            unreachable.push(entry.moduleId);
            return undefined;
          }
        }),
      )
    ).filter((answer): answer is ReleaseShareResponse => answer !== undefined);
    const shares = released.map((answer) => ({
      shareIndex: answer.shareIndex,
      signingShare: Uint8Array.from(Buffer.from(answer.signingShare, 'hex')),
    }));
    const moduleAt = new Map(released.map((answer) => [answer.shareIndex, answer.moduleId]));
    const responses = new Map<string, SignedResponse>(
      released.map((answer) => [answer.moduleId, answer.response]),
    );
    let secret: Uint8Array | undefined;
    try {
      let reconstruction;
      try {
        reconstruction = reconstructVerified(shares, pub);
      } catch (error) {
        if (error instanceof InsufficientSharesError) {
          const cheaters = error.rejected.map((index) => moduleAt.get(index) ?? '').filter(Boolean);
          await this.#close(
            session.sessionId,
            'failure',
            cheaters,
            responses,
            `only ${error.valid} valid shares; t = ${error.required}`,
          );
          throw new ThresholdOperationError({
            message: `session ${session.sessionId}: only ${error.valid} valid shares of the t = ${error.required} needed`,
            sessionId: session.sessionId,
            cheaters,
            unreachable,
            cause: error,
          });
        }
        throw error;
      }
      secret = reconstruction.secret;
      const cheaters = reconstruction.rejected
        .map((index) => moduleAt.get(index) ?? '')
        .filter(Boolean)
        .sort();
      const used = reconstruction.used.map((index) => moduleAt.get(index) ?? '').sort();
      const result = this.#apply(
        request.operation,
        secret,
        session.keyId,
        Buffer.from(pub.commitments[0] ?? []),
      );
      wipe(secret);
      secret = undefined;
      await this.#close(
        session.sessionId,
        'success',
        cheaters,
        responses,
        cheaters.length > 0
          ? `share failed its commitment check: ${cheaters.join(', ')}`
          : 'reconstructed once',
      );
      const encoded = result.toString('base64');
      wipe(result);
      return {
        sessionId: session.sessionId,
        result: encoded,
        used,
        cheaters,
        unreachable: unreachable.sort(),
      };
    } finally {
      if (secret !== undefined) {
        wipe(secret);
      }
      shares.forEach((share) => wipe(share.signingShare));
    }
  }

  #apply(operation: ReconstructOperation, secret: Uint8Array, keyId: string, groupKey: Buffer): Buffer {
    if (operation.kind === 'unwrap') {
      try {
        return openWithGroupSecret(secret, groupKey, operation.escrow, operation.context);
      } catch (error) {
        throw new ThresholdRefusalError({
          code: 'message-mismatch',
          message: 'the escrow does not open under this key and context',
          cause: error,
        });
      }
    }
    return deriveEpochKey(secret, keyId, operation.epoch, operation.purpose);
  }

  async #close(
    sessionId: string,
    outcome: 'success' | 'failure',
    cheaters: readonly string[],
    responses: ReadonlyMap<string, SignedResponse>,
    reason: string,
  ): Promise<void> {
    await this.#context.ledger.closeSession({
      sessionId,
      outcome,
      cheaters: [...cheaters].sort(),
      reason,
      responses: [...responses.values()],
    });
  }
}
