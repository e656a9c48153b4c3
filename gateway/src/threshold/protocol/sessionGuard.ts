import { createHash } from 'node:crypto';
import { ThresholdRefusalError } from '../errors';
import type { LedgerCommitments, LedgerSession, ProtocolLedger } from './ports';

/** SHA-256 of a message, hex: what OpenSession records as `messageDigest`. */
export function messageDigestOf(message: Uint8Array): string {
  return createHash('sha256').update(message).digest('hex');
}

/**
 * A module acts in a session only as the ledger opened it: open and unexpired, of the kind asked for, with this
 * module eligible, and — for a caller other than this module — asked by the coordinator's own identity. Sessions
 * and commitment sets are read once and kept (a session for its lifetime, commitments forever: they never change).
 */
export class SessionGuard {
  readonly #ledger: ProtocolLedger;
  readonly #moduleId: string;
  readonly #sessions = new Map<string, { session: LedgerSession; until: number }>();
  readonly #commitments = new Map<string, LedgerCommitments>();

  constructor(ledger: ProtocolLedger, moduleId: string) {
    this.#ledger = ledger;
    this.#moduleId = moduleId;
  }

  async session(
    sessionId: string,
    kind: 'sign' | 'reconstruct',
    callerFingerprint: string | undefined,
  ): Promise<LedgerSession> {
    const session = await this.#read(sessionId);
    if (session.status !== 'open' || session.expired || Date.now() > session.expiresAt) {
      throw new ThresholdRefusalError({
        code: 'session-not-open',
        message: `session ${sessionId} is not open on the ledger (${session.status}${session.expired ? ', expired' : ''})`,
      });
    }
    if (session.kind !== kind) {
      throw new ThresholdRefusalError({
        code: 'session-not-open',
        message: `session ${sessionId} is a ${session.kind} session, not ${kind}`,
      });
    }
    if (!session.eligible.some((entry) => entry.moduleId === this.#moduleId)) {
      throw new ThresholdRefusalError({
        code: 'not-eligible',
        message: `module ${this.#moduleId} is not eligible in session ${sessionId}`,
      });
    }
    if (
      callerFingerprint !== undefined &&
      callerFingerprint.toLowerCase() !== session.coordinatorOwner.fingerprint.toLowerCase()
    ) {
      throw new ThresholdRefusalError({
        code: 'not-eligible',
        message: `only the coordinator of session ${sessionId} (${session.coordinator}) may ask for its shares`,
      });
    }
    return session;
  }

  async commitments(keyId: string, epoch: number): Promise<LedgerCommitments> {
    const key = `${keyId}\u0000${epoch}`;
    const known = this.#commitments.get(key);
    if (known !== undefined) {
      return known;
    }
    const read = await this.#ledger.commitments(keyId, epoch);
    this.#commitments.set(key, read);
    return read;
  }

  async #read(sessionId: string): Promise<LedgerSession> {
    const now = Date.now();
    for (const [id, entry] of this.#sessions) {
      if (entry.until < now) {
        this.#sessions.delete(id);
      }
    }
    const known = this.#sessions.get(sessionId);
    if (known !== undefined) {
      return known.session;
    }
    const session = await this.#ledger.session(sessionId);
    if (session.status === 'open' && !session.expired) {
      this.#sessions.set(sessionId, { session, until: session.expiresAt });
    }
    return session;
  }
}
