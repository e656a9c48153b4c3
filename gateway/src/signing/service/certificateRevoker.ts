import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import type { KeyCertification } from './certification';

export interface CertificateRevokerOptions {
  readonly certification: KeyCertification;
  /** First wait before asking CAs that did not revoke again (default 1 s), doubling up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly logger?: Logger;
}

/**
 * Revokes a revoked key's certificates at every CA that issued them, in the background, until each has: the
 * ledger has decided already (and verification reads it first), so a CA that is down delays only what relying
 * parties that check just the CRL learn. Asking again is safe: a CA keeps its first revocation.
 */
export class CertificateRevoker {
  readonly #certification: KeyCertification;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #logger: Logger | undefined;
  readonly #running = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(options: Readonly<CertificateRevokerOptions>) {
    this.#certification = options.certification;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 300_000;
    this.#logger = options.logger;
  }

  /** Starts revoking the certificates of a key the ledger has revoked (once per kid); resolves when all are. */
  revoke(record: signing.SigningKeyRecord): Promise<void> {
    const running = this.#running.get(record.kid);
    if (running !== undefined) return running;
    const run = this.#untilRevoked(record);
    this.#running.set(record.kid, run);
    return run;
  }

  /** Stops retrying; what is under way finishes its current round. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #untilRevoked(record: signing.SigningKeyRecord): Promise<void> {
    const reason = record.revocationReason ?? 'unspecified';
    for (let wait = this.#retryMs; !this.#stopped; wait = Math.min(wait * 2, this.#maxRetryMs)) {
      const outcomes = await this.#certification.revokeCertificates(record.kid, reason, record.compromisedAt);
      const pending = outcomes.filter((outcome) => !outcome.revoked).map((outcome) => outcome.caId);
      if (pending.length === 0) {
        if (outcomes.length > 0) {
          this.#logger?.info({ kid: record.kid, cas: outcomes.map((o) => o.caId) }, 'certificates revoked');
        }
        return;
      }
      this.#logger?.warn(
        { kid: record.kid, pending, retryInMs: wait },
        'certificate revocation pending at CAs',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, wait);
        timer.unref();
        this.#timers.add(timer);
      });
    }
  }
}
