import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import { KeyedSerializer } from '../../participant';
import type { ProvidersLedger } from '../ledger';

export interface ProviderProfileSpec {
  readonly providerId: string;
  readonly endpoint: string;
  readonly certificatePem: string;
  readonly region: string;
  readonly algorithms: readonly string[];
}

/**
 * Keeps the provider's on-chain profile true: registered on start (or updated when its endpoint, certificate or
 * region changed), and its key ids extended whenever it comes to hold a key, which is what makes it a candidate
 * for that key. Every step is idempotent, so a restart repeats them harmlessly.
 */
export class ProfileRegistrar {
  readonly #ledger: ProvidersLedger;
  readonly #spec: ProviderProfileSpec;
  readonly #logger: Logger;
  readonly #serial = new KeyedSerializer();

  constructor(ledger: ProvidersLedger, spec: ProviderProfileSpec, logger: Logger) {
    this.#ledger = ledger;
    this.#spec = spec;
    this.#logger = logger;
  }

  /** Registers or refreshes the profile; `heldKeyIds` are the keys in the token (those still on chain are listed). */
  async ensureRegistered(heldKeyIds: readonly string[]): Promise<'registered' | 'updated' | 'unchanged'> {
    const keyIds: string[] = [];
    for (const keyId of heldKeyIds) {
      if (await this.#ledger.getKey(keyId)) {
        keyIds.push(keyId);
      } else {
        this.#logger.warn({ keyId }, 'the token holds a key the ledger does not know; not listing it');
      }
    }
    const spec = this.#spec;
    const current = await this.#ledger.getProvider(spec.providerId);
    if (!current) {
      await this.#ledger.registerProvider({ ...spec, keyIds });
      return 'registered';
    }
    const wantedKeys = [...new Set([...current.keyIds, ...keyIds])].sort();
    const same =
      current.endpoint === spec.endpoint &&
      current.region === spec.region &&
      current.certificatePem?.trim() === spec.certificatePem.trim() &&
      wantedKeys.length === current.keyIds.length;
    if (same) {
      return 'unchanged';
    }
    await this.#ledger.updateProvider({
      providerId: spec.providerId,
      endpoint: spec.endpoint,
      region: spec.region,
      certificatePem: spec.certificatePem,
      keyIds: wantedKeys,
      expectedVersion: current.version,
    });
    return 'updated';
  }

  /** Lists `keyId` in the profile unless it is there already (retried once when another update raced it). */
  addKey(keyId: string): Promise<void> {
    return this.#serial.run(this.#spec.providerId, async () => {
      for (let attempt = 0; ; attempt += 1) {
        const current = await this.#ledger.getProvider(this.#spec.providerId);
        if (!current) {
          throw new LedgerError({
            kind: 'NOT_FOUND',
            message: `provider ${this.#spec.providerId} is not registered`,
          });
        }
        if (current.keyIds.includes(keyId)) {
          return;
        }
        try {
          await this.#ledger.updateProvider({
            providerId: this.#spec.providerId,
            keyIds: [...current.keyIds, keyId].sort(),
            expectedVersion: current.version,
          });
          this.#logger.info({ keyId }, 'listed the key in the on-chain profile');
          return;
        } catch (error) {
          if (attempt > 0 || !(error instanceof LedgerError) || error.kind !== 'CONFLICT') {
            throw error;
          }
        }
      }
    });
  }
}
