import { createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { ServiceError } from '../../errors';
import { ModuleCallError, ThresholdOperationError } from '../errors';
import { messageDigestOf } from '../protocol/sessionGuard';
import { MODULE_PATHS, type CoordinateResponse } from '../protocol/wire';
import type { ModuleCaller, OrchestratorLedger } from './ports';

/** The SPKI DER prefix of an Ed25519 public key (RFC 8410): the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519KeyObject(publicKeyHex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export interface SignRequest {
  readonly keyId: string;
  readonly message: Uint8Array;
  readonly purpose?: string;
  /** How long each ledger session accepts answers (default 10 s). */
  readonly ttlSeconds?: number;
  /** Sessions tried when a coordinator does not answer (default 3). */
  readonly maxSessions?: number;
}

export interface SignOutcome {
  readonly keyId: string;
  readonly signature: Buffer;
  readonly groupPublicKey: string;
  readonly sessionId: string;
  readonly coordinator: string;
  readonly epoch: number;
  readonly signers: readonly string[];
  readonly cheaters: readonly string[];
  readonly late: readonly string[];
  /** Sessions that timed out on the ledger before this one signed (their coordinators did not answer). */
  readonly expiredSessions: readonly string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function coordinatorSilent(error: unknown): boolean {
  const kind = (error as { kind?: unknown } | undefined)?.kind;
  return kind === 'connection' || kind === 'timeout';
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** A coordinator's own failure (too few honest modules) as the caller's error, with whom it named. */
function asOperationError(error: unknown, sessionId: string): unknown {
  if (!(error instanceof ModuleCallError) || error.kind !== 'server') {
    return error;
  }
  const found = error.problemExtensions;
  return new ThresholdOperationError({
    message: error.message,
    sessionId,
    cheaters: names(found['cheaters']),
    late: names(found['late']),
    unreachable: names(found['unreachable']),
    cause: error,
  });
}

/**
 * Threshold signing for a client: a ledger session per attempt (the ledger picks the coordinator by trust and
 * the transaction id), the request to that coordinator, and a check of the result with plain node:crypto Ed25519
 * against the group key on the ledger before anyone sees it. When a coordinator does not answer, its session
 * runs out on the ledger (ExpireSession records the timeout against it) and a new session is opened.
 */
export class ThresholdSigning {
  readonly #modules: ModuleCaller;
  readonly #logger: Logger;

  constructor(modules: ModuleCaller, logger: Logger) {
    this.#modules = modules;
    this.#logger = logger;
  }

  async sign(ledger: OrchestratorLedger, request: SignRequest): Promise<SignOutcome> {
    const commitments = await ledger.latestCommitments(request.keyId);
    if (commitments === undefined) {
      throw new ServiceError({ message: `key ${request.keyId} has no shares yet`, problemType: 'not-found' });
    }
    const groupPublicKey = commitments.commitments[0] ?? '';
    const maxSessions = request.maxSessions ?? 3;
    const expiredSessions: string[] = [];
    let lastError: unknown;
    for (let attempt = 0; attempt < maxSessions; attempt += 1) {
      const session = await ledger.openSession({
        sessionId: `sg-${randomUUID()}`,
        keyId: request.keyId,
        kind: 'sign',
        messageDigest: messageDigestOf(request.message),
        purpose: request.purpose ?? 'sign',
        ttlSeconds: request.ttlSeconds ?? 10,
      });
      try {
        const answer = await this.#modules.call<CoordinateResponse>(
          session.coordinator,
          'POST',
          MODULE_PATHS.coordinate,
          { sessionId: session.sessionId, message: Buffer.from(request.message).toString('base64') },
          { timeoutMs: Math.min(20_000, (request.ttlSeconds ?? 10) * 1_000) },
        );
        const signature = Buffer.from(answer.signature, 'hex');
        if (
          answer.groupPublicKey !== groupPublicKey ||
          !verify(null, request.message, ed25519KeyObject(groupPublicKey), signature)
        ) {
          throw new ThresholdOperationError({
            message: `coordinator ${session.coordinator} returned a signature that does not verify under ${request.keyId}`,
            sessionId: session.sessionId,
          });
        }
        return {
          keyId: request.keyId,
          signature,
          groupPublicKey,
          sessionId: session.sessionId,
          coordinator: session.coordinator,
          epoch: session.commitmentsEpoch,
          signers: answer.signers,
          cheaters: answer.cheaters,
          late: answer.late,
          expiredSessions,
        };
      } catch (error) {
        lastError = error;
        if (!coordinatorSilent(error)) {
          throw asOperationError(error, session.sessionId);
        }
        this.#logger.warn(
          { err: error, sessionId: session.sessionId, coordinator: session.coordinator },
          'coordinator did not answer',
        );
        await this.#expire(ledger, session.sessionId, session.expiresAt);
        expiredSessions.push(session.sessionId);
      }
    }
    throw new ThresholdOperationError({
      message: `no coordinator answered in ${maxSessions} sessions`,
      cause: lastError,
    });
  }

  /** Waits for the session's end on the ledger (tx time) and records it as expired. */
  async #expire(ledger: OrchestratorLedger, sessionId: string, expiresAt: number): Promise<void> {
    for (let tries = 0; tries < 20; tries += 1) {
      const wait = expiresAt - Date.now() + 250;
      if (wait > 0) {
        await sleep(wait);
      }
      try {
        await ledger.expireSession(sessionId);
        return;
      } catch (error) {
        const session = await ledger.session(sessionId).catch(() => undefined);
        if (session?.status === 'closed') {
          return;
        }
        this.#logger.debug({ err: error, sessionId }, 'session not expired yet');
        await sleep(250);
      }
    }
  }
}
