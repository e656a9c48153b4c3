import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors';
import { sealToGroupKey, type EscrowBlob } from '../math/escrow';
import { operationDigest } from '../protocol/reconstructor';
import { MODULE_PATHS, type ReconstructOperation, type ReconstructResponse } from '../protocol/wire';
import type { ModuleCaller, OrchestratorLedger } from './ports';

export interface BreakGlassOutcome {
  readonly keyId: string;
  readonly sessionId: string;
  readonly coordinator: string;
  /** The operation's result: never the group secret. */
  readonly result: Buffer;
  readonly used: readonly string[];
  readonly cheaters: readonly string[];
}

/**
 * The operations that need the group secret itself: opening an escrow sealed to the group key and deriving a
 * per-epoch key by HKDF. Each runs in a reconstruction session the ledger opened for exactly that operation
 * (its digest is the session's messageDigest) and returns only the result.
 */
export class BreakGlass {
  readonly #modules: ModuleCaller;

  constructor(modules: ModuleCaller) {
    this.#modules = modules;
  }

  /** Seals a secret to the key's group public key; anyone may, and no session is needed. */
  async escrow(
    ledger: OrchestratorLedger,
    keyId: string,
    secret: Uint8Array,
    context: string,
  ): Promise<EscrowBlob> {
    const commitments = await ledger.latestCommitments(keyId);
    if (commitments === undefined) {
      throw new ServiceError({ message: `key ${keyId} has no shares yet`, problemType: 'not-found' });
    }
    return sealToGroupKey(Buffer.from(commitments.commitments[0] ?? '', 'hex'), secret, context);
  }

  async run(
    ledger: OrchestratorLedger,
    keyId: string,
    operation: ReconstructOperation,
    purpose: string,
    ttlSeconds = 30,
  ): Promise<BreakGlassOutcome> {
    const session = await ledger.openSession({
      sessionId: `rc-${randomUUID()}`,
      keyId,
      kind: 'reconstruct',
      messageDigest: operationDigest(operation),
      purpose,
      ttlSeconds,
    });
    const answer = await this.#modules.call<ReconstructResponse>(
      session.coordinator,
      'POST',
      MODULE_PATHS.reconstruct,
      { sessionId: session.sessionId, operation },
      { timeoutMs: Math.min(20_000, ttlSeconds * 1_000) },
    );
    return {
      keyId,
      sessionId: session.sessionId,
      coordinator: session.coordinator,
      result: Buffer.from(answer.result, 'base64'),
      used: answer.used,
      cheaters: answer.cheaters,
    };
  }
}
