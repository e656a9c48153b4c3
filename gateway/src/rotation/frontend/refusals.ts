import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import { errorText } from '../../logging';
import type { RotationLedger } from '../ledger';
import type { CommittedRotationView, RefusedKeyVersion } from '../types';

export interface RefusalsOptions {
  /** The node's name, quoted in what it reports to the ledger. */
  readonly nodeName: string;
  readonly ledger: RotationLedger;
  readonly logger: Logger;
  /** Report refused versions as compromised so that validators replace them (default true). */
  readonly report?: boolean;
  /** Called once per new refusal reason, for the node's metrics. */
  readonly onRefused?: () => void;
}

function keyOf(queueId: string, version: number): string {
  return `${queueId}\u0000${version}`;
}

/**
 * The committed versions a front-end will not use, and why. A front-end cannot reject a commit: when a version
 * does not verify, unwrap or match its key check value, it refuses to use it and reports it compromised (once)
 * so that the validators replace it. Refusals never carry key bytes.
 */
export class Refusals {
  readonly #options: RefusalsOptions;
  readonly #refused = new Map<string, RefusedKeyVersion>();
  readonly #reported = new Set<string>();

  constructor(options: RefusalsOptions) {
    this.#options = options;
  }

  get(queueId: string, version: number): RefusedKeyVersion | undefined {
    return this.#refused.get(keyOf(queueId, version));
  }

  /** True when the version was refused for a reason another attempt cannot change. */
  isPermanent(queueId: string, version: number): boolean {
    return this.get(queueId, version)?.permanent ?? false;
  }

  /** Forgets a refusal (the version became usable after all). */
  clear(queueId: string, version: number): void {
    this.#refused.delete(keyOf(queueId, version));
  }

  list(queueId?: string): RefusedKeyVersion[] {
    return [...this.#refused.values()]
      .filter((refusal) => queueId === undefined || refusal.queueId === queueId)
      .sort((a, b) => a.queueId.localeCompare(b.queueId) || a.version - b.version);
  }

  refuse(rotation: CommittedRotationView, reason: string, permanent: boolean): void {
    const key = keyOf(rotation.queueId, rotation.version);
    const previous = this.#refused.get(key);
    this.#refused.set(key, {
      queueId: rotation.queueId,
      version: rotation.version,
      keyId: rotation.keyId,
      keyCheckValue: rotation.keyCheckValue,
      reason,
      permanent,
      at: Date.now(),
    });
    if (previous?.reason !== reason) {
      this.#options.onRefused?.();
      this.#options.logger.error(
        { queueId: rotation.queueId, version: rotation.version, keyId: rotation.keyId, reason, permanent },
        'committed key version refused: it will not be used',
      );
    }
  }

  /** Reports the version compromised on the ledger, once per version, so the validators replace it. */
  async report(rotation: CommittedRotationView, what: string): Promise<void> {
    const key = keyOf(rotation.queueId, rotation.version);
    if (!(this.#options.report ?? true) || this.#reported.has(key)) {
      return;
    }
    this.#reported.add(key);
    try {
      await this.#options.ledger.reportCompromise(
        rotation.queueId,
        rotation.version,
        `front-end ${this.#options.nodeName}: ${what}; the version cannot be used`,
      );
      this.#options.logger.warn(
        { queueId: rotation.queueId, version: rotation.version },
        'reported the refused version as compromised so that it is replaced',
      );
    } catch (error) {
      if (!(error instanceof LedgerError && error.kind === 'CONFLICT')) {
        this.#options.logger.warn({ error: errorText(error) }, 'reporting the refused version failed');
      }
    }
  }
}
