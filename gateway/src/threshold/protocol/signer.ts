import { createHash } from 'node:crypto';
import type { Nonces, FrostPublic } from '@noble/curves/abstract/frost.js';
import { canonicalJson, threshold } from '@keyledger/chaincode/protocol';
import { copyBytes, fromHex, toHex, type Bytes } from './bytes';
import { ThresholdRefusalError } from '../errors';
import { frost, identifierOf, publicPackage, wipe } from '../math';
import type { LedgerCommitments, LedgerSession, ProtocolContext } from './ports';
import { messageDigestOf, type SessionGuard } from './sessionGuard';
import type {
  CommitRequest,
  CommitResponse,
  NonceCommitmentWire,
  ReleaseShareResponse,
  SignedResponse,
  SignShareRequest,
  SignShareResponse,
} from './wire';

const NONCE_TTL_MS = 60_000;
const MAX_PENDING_NONCES = 1_024;

/** SHA-256 of the canonical JSON of `value`, hex: what a module signs and the ledger keeps of an answer. */
export function responseDigestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The commitment set of an epoch as noble's public package. */
export function publicOf(commitments: LedgerCommitments): FrostPublic {
  return publicPackage({
    t: commitments.t,
    n: commitments.n,
    commitments: commitments.commitments,
    verifyingShares: { ...(commitments.verifyingShares ?? {}) },
  });
}

/**
 * One module's part in a ledger session: FROST round 1 (nonce commitments), round 2 (a signature share over the
 * message the ledger named) and, for a reconstruction session, the release of its share to the coordinator. Each
 * step checks the session on the ledger first; the share is opened from the token for the one call and wiped.
 * Nonces are single-use and forgotten once used or after a minute.
 */
export class SessionSigner {
  readonly #context: ProtocolContext;
  readonly #guard: SessionGuard;
  readonly #nonces = new Map<string, { nonces: Nonces; commitments: NonceCommitmentWire; at: number }>();

  constructor(context: ProtocolContext, guard: SessionGuard) {
    this.#context = context;
    this.#guard = guard;
  }

  async commit(request: CommitRequest, callerFingerprint: string | undefined): Promise<CommitResponse> {
    const session = await this.#guard.session(request.sessionId, 'sign', callerFingerprint);
    this.#sweep();
    const slot = `${request.sessionId}\u0000${request.attempt}`;
    const known = this.#nonces.get(slot);
    if (known !== undefined) {
      return { moduleId: this.#context.moduleId, commitments: known.commitments };
    }
    if (this.#context.faults.misbehave.has('late')) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const share = this.#openShare(session);
    try {
      const generated = frost.commit({
        identifier: identifierOf(this.#context.shareIndex),
        signingShare: share,
      });
      const commitments: NonceCommitmentWire = {
        identifier: generated.commitments.identifier,
        hiding: toHex(generated.commitments.hiding),
        binding: toHex(generated.commitments.binding),
      };
      this.#nonces.set(slot, { nonces: generated.nonces, commitments, at: Date.now() });
      return { moduleId: this.#context.moduleId, commitments };
    } finally {
      wipe(share);
    }
  }

  async signShare(
    request: SignShareRequest,
    callerFingerprint: string | undefined,
  ): Promise<SignShareResponse> {
    const session = await this.#guard.session(request.sessionId, 'sign', callerFingerprint);
    const message = Buffer.from(request.message, 'base64');
    if (messageDigestOf(message) !== session.messageDigest) {
      throw new ThresholdRefusalError({
        code: 'message-mismatch',
        message: `the message does not hash to the digest session ${session.sessionId} was opened for`,
      });
    }
    const slot = `${request.sessionId}\u0000${request.attempt}`;
    const pending = this.#nonces.get(slot);
    const mine = request.commitmentList.find((entry) => entry.identifier === pending?.commitments.identifier);
    if (
      pending === undefined ||
      mine === undefined ||
      mine.hiding !== pending.commitments.hiding ||
      mine.binding !== pending.commitments.binding
    ) {
      throw new ThresholdRefusalError({
        code: 'ceremony-state',
        message: `no unused nonce of this module for session ${request.sessionId} attempt ${request.attempt} in the list`,
      });
    }
    this.#nonces.delete(slot);
    const pub = publicOf(await this.#guard.commitments(session.keyId, session.commitmentsEpoch));
    const share = this.#openShare(session);
    try {
      const list = request.commitmentList.map((entry) => ({
        identifier: entry.identifier,
        hiding: fromHex(entry.hiding),
        binding: fromHex(entry.binding),
      }));
      let signatureShare: Uint8Array = frost.signShare(
        { identifier: identifierOf(this.#context.shareIndex), signingShare: share },
        pub,
        pending.nonces,
        list,
        message,
      );
      if (this.#context.faults.misbehave.has('bad-signature-share')) {
        signatureShare = frost.utils.Fn.toBytes(
          frost.utils.Fn.add(frost.utils.Fn.fromBytes(signatureShare), 1n),
        );
      }
      const shareHex = toHex(signatureShare);
      const response = this.#signed(session.sessionId, {
        kind: 'frost-signature-share',
        sessionId: session.sessionId,
        attempt: request.attempt,
        moduleId: this.#context.moduleId,
        signatureShare: shareHex,
        commitmentList: request.commitmentList,
      });
      return { moduleId: this.#context.moduleId, signatureShare: shareHex, response };
    } finally {
      wipe(share);
    }
  }

  /** Releases this module's share to the coordinator of a reconstruction session the ledger opened. */
  async release(sessionId: string, callerFingerprint: string | undefined): Promise<ReleaseShareResponse> {
    const session = await this.#guard.session(sessionId, 'reconstruct', callerFingerprint);
    const share = this.#openShare(session);
    try {
      if (this.#context.faults.misbehave.has('bad-secret-share')) {
        share[0] = (share[0] ?? 0) ^ 0x01;
      }
      const shareHex = toHex(share);
      const response = this.#signed(session.sessionId, {
        kind: 'released-share',
        sessionId: session.sessionId,
        moduleId: this.#context.moduleId,
        shareDigest: createHash('sha256').update(share).digest('hex'),
      });
      return {
        moduleId: this.#context.moduleId,
        shareIndex: this.#context.shareIndex,
        signingShare: shareHex,
        response,
      };
    } finally {
      wipe(share);
    }
  }

  /** The share of the session's epoch — or, for a module injected to replay, the oldest one it still holds. */
  #openShare(session: LedgerSession): Bytes {
    const { keyId } = session;
    let epoch = session.commitmentsEpoch;
    if (this.#context.faults.misbehave.has('old-epoch-share')) {
      const older = this.#context.shares
        .list()
        .filter((entry) => entry.keyId === keyId && entry.epoch < epoch)
        .map((entry) => entry.epoch);
      epoch = older.length > 0 ? Math.min(...older) : epoch;
    }
    if (!this.#context.shares.has(keyId, epoch)) {
      throw new ThresholdRefusalError({
        code: 'no-share',
        message: `module ${this.#context.moduleId} holds no share of ${keyId} epoch ${epoch}`,
      });
    }
    const opened = this.#context.shares.open(keyId, epoch);
    const share = copyBytes(opened);
    wipe(opened);
    return share;
  }

  #signed(sessionId: string, content: Record<string, unknown>): SignedResponse {
    const responseDigest = responseDigestOf(content);
    const signed = threshold.sessionResponseMessage(sessionId, this.#context.moduleId, responseDigest);
    const signature = this.#context.identity.sign(Buffer.from(signed, 'utf8')).toString('base64');
    return { moduleId: this.#context.moduleId, responseDigest, signature };
  }

  #sweep(): void {
    const now = Date.now();
    for (const [slot, entry] of this.#nonces) {
      if (now - entry.at > NONCE_TTL_MS || this.#nonces.size > MAX_PENDING_NONCES) {
        wipe(entry.nonces.hiding, entry.nonces.binding);
        this.#nonces.delete(slot);
      }
    }
  }
}
