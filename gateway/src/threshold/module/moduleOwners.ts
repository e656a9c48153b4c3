import type { ThresholdLedger } from '../ledger';

/**
 * Which module a caller's certificate belongs to: the owner fingerprints of the registered modules, read from the
 * ledger and kept briefly, re-read when an unknown certificate knocks. A module's deliveries (DKG shares, refresh
 * deltas) are accepted only under the sender id its own certificate proves.
 */
export class ModuleOwners {
  readonly #ledger: ThresholdLedger;
  readonly #ttlMs: number;
  #byFingerprint = new Map<string, string>();
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(ledger: ThresholdLedger, ttlMs = 10_000) {
    this.#ledger = ledger;
    this.#ttlMs = ttlMs;
  }

  async moduleOf(fingerprint: string): Promise<string | undefined> {
    const wanted = fingerprint.replace(/:/g, '').toLowerCase();
    const age = Date.now() - this.#readAt;
    if (age > this.#ttlMs || (!this.#byFingerprint.has(wanted) && age > 1_000)) {
      const { modules } = await this.#ledger.listModules(0);
      this.#byFingerprint = new Map(modules.map((m) => [m.owner.fingerprint.toLowerCase(), m.moduleId]));
      this.#readAt = Date.now();
    }
    return this.#byFingerprint.get(wanted);
  }
}
