import type { Role } from '@keyledger/chaincode/protocol';
import type { GovernanceLedger } from '../governance';

export interface MemberGateOptions {
  /** How long the list of members is trusted (default 10 s). */
  readonly ttlMs?: number;
  /** An unknown certificate triggers a re-read at most this often (default 1 s), so a newcomer gets in quickly. */
  readonly missRefreshMs?: number;
  readonly clock?: () => number;
}

/**
 * Who may call a server of the stack over mutual TLS: the holders of a certificate whose SHA-256 fingerprint is
 * an active governance member with one of `roles`. The ledger decides; the server keeps the list for a few
 * seconds so a call costs no ledger read, and re-reads it when an unknown certificate knocks.
 */
export class MemberGate {
  readonly #governance: GovernanceLedger;
  readonly #roles: readonly Role[];
  readonly #ttlMs: number;
  readonly #missRefreshMs: number;
  readonly #clock: () => number;
  #allowed = new Set<string>();
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(governance: GovernanceLedger, roles: readonly Role[], options: MemberGateOptions = {}) {
    this.#governance = governance;
    this.#roles = [...roles];
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#missRefreshMs = options.missRefreshMs ?? 1_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** Whether the certificate with this fingerprint (hex, any case, colons allowed) is an active member. */
  async allows(fingerprint: string): Promise<boolean> {
    const normalised = fingerprint.replace(/:/g, '').toLowerCase();
    const age = this.#clock() - this.#readAt;
    if (age > this.#ttlMs || (!this.#allowed.has(normalised) && age > this.#missRefreshMs)) {
      await this.#refresh();
    }
    return this.#allowed.has(normalised);
  }

  #refresh(): Promise<void> {
    this.#reading ??= Promise.all(this.#roles.map((role) => this.#governance.listMembers(role)))
      .then((lists) => {
        this.#allowed = new Set(
          lists
            .flat()
            .filter((m) => m.status === 'active')
            .map((m) => m.fingerprint.toLowerCase()),
        );
        this.#readAt = this.#clock();
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }
}
