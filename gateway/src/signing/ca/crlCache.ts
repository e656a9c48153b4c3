import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CaClient } from './caClient';
import { crlNumberOf } from './crlNumber';

/** A CRL that verified under its CA's pinned certificate and was current when fetched. */
export interface VerifiedCrl {
  readonly caId: string;
  readonly der: Buffer;
  readonly crl: x509.X509Crl;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly fetchedAt: Date;
}

export interface CrlCacheOptions {
  /**
   * Longest a fetched CRL is used before it is fetched again, even if its nextUpdate is later (default 5 minutes):
   * how long a revocation may take to reach this validator. 0 fetches on every validation.
   */
  readonly maxAgeMs?: number;
  /** Tolerated clock difference with the CA for thisUpdate (default 5 minutes). */
  readonly clockSkewMs?: number;
}

/**
 * Each CA's CRL, fetched from the CA service, verified (signature under the pinned CA certificate, issuer, CRL
 * number present and not lower than one seen before, thisUpdate ≤ now < nextUpdate), and kept until nextUpdate
 * or maxAge, whichever comes first. A CRL that fails any check is never used.
 */
export class CrlCache {
  readonly #entries = new Map<string, VerifiedCrl>();
  readonly #highest = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #clockSkewMs: number;

  constructor(options: CrlCacheOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.#clockSkewMs = options.clockSkewMs ?? 5 * 60_000;
  }

  /** The cached CRL if still usable at `now`. */
  cached(caId: string, now: Date): VerifiedCrl | undefined {
    const entry = this.#entries.get(caId);
    if (
      entry === undefined ||
      now.getTime() >= entry.nextUpdate.getTime() ||
      now.getTime() - entry.fetchedAt.getTime() >= this.#maxAgeMs
    ) {
      return undefined;
    }
    return entry;
  }

  /** A usable CRL: the cached one, or a fresh one from the CA (throws when it cannot be fetched or does not verify). */
  async get(client: CaClient, anchor: x509.X509Certificate, now: Date): Promise<VerifiedCrl> {
    const cached = this.cached(client.id, now);
    if (cached) {
      return cached;
    }
    const der = await client.crl();
    const verified = await this.#verify(client.id, der, anchor, now);
    this.#entries.set(client.id, verified);
    this.#highest.set(client.id, verified.crlNumber);
    return verified;
  }

  invalidate(caId?: string): void {
    if (caId === undefined) {
      this.#entries.clear();
    } else {
      this.#entries.delete(caId);
    }
  }

  async #verify(caId: string, der: Buffer, anchor: x509.X509Certificate, now: Date): Promise<VerifiedCrl> {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(new Uint8Array(der));
    } catch (error) {
      throw new Error(`${caId}: the CRL is not DER`, { cause: error });
    }
    if (crl.issuer !== anchor.subject) {
      throw new Error(`${caId}: the CRL's issuer is ${crl.issuer}, not ${anchor.subject}`);
    }
    if (!(await crl.verify({ publicKey: anchor.publicKey }))) {
      throw new Error(`${caId}: the CRL's signature does not verify under the pinned CA certificate`);
    }
    const crlNumber = crlNumberOf(crl);
    if (crlNumber === undefined) {
      throw new Error(`${caId}: the CRL has no CRL number`);
    }
    const highest = this.#highest.get(caId);
    if (highest !== undefined && crlNumber < highest) {
      throw new Error(`${caId}: the CRL number went back from ${highest} to ${crlNumber} (a replayed CRL?)`);
    }
    const nextUpdate = crl.nextUpdate;
    if (nextUpdate === undefined) {
      throw new Error(`${caId}: the CRL has no nextUpdate`);
    }
    if (
      crl.thisUpdate.getTime() > now.getTime() + this.#clockSkewMs ||
      now.getTime() >= nextUpdate.getTime()
    ) {
      throw new Error(
        `${caId}: the CRL is not current (thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${nextUpdate.toISOString()})`,
      );
    }
    return { caId, der, crl, crlNumber, thisUpdate: crl.thisUpdate, nextUpdate, fetchedAt: now };
  }
}
