import type { providers } from '@keyledger/chaincode/protocol';
import type { LedgerAccess } from '../fabric';
import { ProvidersLedger } from './ledger';

/** Events after which a cached answer about a key may be wrong. */
export const KEY_ACCESS_EVENTS: ReadonlySet<string> = new Set([
  'KeyGrantChanged',
  'KeyUpdated',
  'KeyCreated',
]);

export interface KeyAccessOptions {
  /** How long an allowed answer is reused (default 5 s); events end it sooner. */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/** Who is asking: the identity its ledger access signs as. */
export interface KeyUser {
  readonly mspId: string;
  readonly fingerprint: string;
  readonly ledger: LedgerAccess;
}

/**
 * Whether a caller may use a key for an operation, as the ledger says (KeyProviders:AuthorizeKeyUse evaluated as
 * the caller: grants and the key's status). Allowed answers are kept briefly so a burst of data-key requests
 * costs one ledger read, and dropped when a grant or the key changes (chaincode events); refusals are never
 * kept, so a new grant works at once.
 */
export class LedgerKeyAccess {
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #allowed = new Map<string, number>();

  constructor(options: KeyAccessOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** Resolves when allowed; rejects with the ledger's FORBIDDEN or NOT_FOUND LedgerError otherwise. */
  async authorize(user: KeyUser, keyId: string, operation: providers.KeyOperation): Promise<void> {
    const entry = `${keyId}\u0000${operation}\u0000${user.mspId}\u0000${user.fingerprint}`;
    const until = this.#allowed.get(entry);
    if (until !== undefined && until > this.#clock()) {
      return;
    }
    await new ProvidersLedger(user.ledger).authorizeKeyUse(keyId, operation);
    this.#allowed.set(entry, this.#clock() + this.#ttlMs);
  }

  /** Drops what is known about `keyId` (every key when omitted). */
  invalidate(keyId?: string): void {
    if (keyId === undefined) {
      this.#allowed.clear();
      return;
    }
    for (const entry of this.#allowed.keys()) {
      if (entry.startsWith(`${keyId}\u0000`)) {
        this.#allowed.delete(entry);
      }
    }
  }

  onChaincodeEvent(eventName: string, payload: unknown): void {
    if (!KEY_ACCESS_EVENTS.has(eventName)) {
      return;
    }
    const keyId = (payload as { keyId?: unknown } | undefined)?.keyId;
    this.invalidate(typeof keyId === 'string' ? keyId : undefined);
  }
}
