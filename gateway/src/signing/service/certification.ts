import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../../files';
import type {
  CaValidator,
  IssuedCertificate,
  RevocationReason,
  RevocationSnapshot,
  SubjectPublicKey,
} from '../ca';
import type { JsonValue } from '../queue';
import type { SigningKeyInfo } from '../keys';
import { revokeAtIssuers, type CertificateRevocationOutcome } from './certificateRevocation';
import { NoActiveKeyError } from './keyManager';

export interface KeyCertificationOptions {
  readonly validator: CaValidator;
  /** The CA ids asked to certify every new key, in the validator's order. */
  readonly caIds: readonly string[];
  /** Certificates are public: one JSON file per kid here. */
  readonly dir: string;
  /** How long a validation result is reused for the tokens' revocation snapshot (default 30 s). */
  readonly snapshotTtlMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** What every token signed with a key says about its certification: where its CAs are and what they said. */
export interface CertificationClaims {
  /** The CAs that certified the key: their certificate and CRL locations. */
  readonly caLocations: readonly {
    readonly caId: string;
    readonly certificateUrl: string;
    readonly crlUrl: string;
  }[];
  /** The key's certificate as validated at signing time (the latest validation, at most the TTL old). */
  readonly revocation: {
    readonly validatedBy: string | null;
    readonly revocationChecked: RevocationSnapshot['checked'];
    readonly crlNumber: number | null;
    readonly thisUpdate: string | null;
    readonly nextUpdate: string | null;
    readonly checkedAt: number;
  };
}

interface Cached {
  readonly at: number;
  readonly claims: CertificationClaims;
  readonly x5c: readonly string[];
}

/**
 * A signing key's certificates: each configured CA is asked to certify a new key (every healthy one, so that
 * validation can fail over across them), the certificates are kept beside the queue, and each token carries the
 * key's CA locations and a revocation snapshot from the latest validation. At signing time the snapshot is taken
 * soft-fail (a CA outage must not stop signing; the token says `revocationChecked: none`); verifiers apply their
 * own policy.
 */
export class KeyCertification {
  readonly #validator: CaValidator;
  readonly #caIds: readonly string[];
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #logger: Logger | undefined;
  readonly #cache = new Map<string, Cached>();
  readonly #refreshing = new Map<string, Promise<Cached>>();

  constructor(options: Readonly<KeyCertificationOptions>) {
    this.#validator = options.validator;
    this.#caIds = options.caIds;
    this.#dir = options.dir;
    this.#ttlMs = options.snapshotTtlMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    mkdirSync(this.#dir, { recursive: true });
  }

  /** Asks every CA to certify the key; the ids of those that did (at least one, or it fails). */
  async certify(key: SigningKeyInfo): Promise<readonly string[]> {
    const issued: IssuedCertificate[] = [];
    const failures: string[] = [];
    for (const caId of this.#caIds) {
      try {
        issued.push(
          await this.#validator
            .client(caId)
            .issue(key.kid, { publicJwk: key.publicJwk } as unknown as SubjectPublicKey),
        );
      } catch (error) {
        failures.push(`${caId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (issued.length === 0) {
      throw new NoActiveKeyError(`no CA certified the new key (${failures.join('; ')})`);
    }
    if (failures.length > 0) {
      this.#logger?.warn({ kid: key.kid, failures }, 'some CAs did not certify the new key');
    }
    writeFileAtomic(this.#file(key.kid), JSON.stringify(issued), { durable: true });
    return issued.map((certificate) => certificate.issuer);
  }

  /** The key's certificates, as the CAs issued them. */
  certificates(kid: string): IssuedCertificate[] {
    const file = this.#file(kid);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as IssuedCertificate[]) : [];
  }

  /**
   * Revokes the key's certificate at every CA that issued it, with the ledger's reason and, for a compromise,
   * `compromisedAt` (epoch ms) as the CRL entry's invalidityDate — so that a relying party checking only the CRL
   * draws the same line as the ledger. Never throws for a CA: each answers an outcome, and one that is down is
   * reported (`revoked: false`, logged) for the caller to ask again — the call is idempotent, a CA keeps the first
   * revocation. Nothing is retried here: the ledger has already decided, this only brings the CRLs in line.
   * A key with no certificate here answers no outcome.
   */
  async revokeCertificates(
    kid: string,
    reason: RevocationReason,
    compromisedAt?: number,
  ): Promise<readonly CertificateRevocationOutcome[]> {
    const outcomes = await revokeAtIssuers(this.#validator, this.certificates(kid), reason, compromisedAt);
    // The cached snapshot said "not revoked": no token may carry it any more.
    this.#cache.delete(kid);
    const failed = outcomes.flatMap((outcome) =>
      outcome.revoked ? [] : [{ caId: outcome.caId, serial: outcome.serial, error: outcome.error.message }],
    );
    if (failed.length > 0) {
      this.#logger?.warn(
        { kid, failed },
        'some CAs did not revoke the certificate of the signing key; ask again',
      );
    }
    return outcomes;
  }

  /** Claims and the x5c header for a token signed with `kid` now (validation reused within the TTL). */
  async forToken(kid: string): Promise<{ readonly claims: JsonValue; readonly x5c: readonly string[] }> {
    const cached = this.#cache.get(kid);
    const fresh =
      cached !== undefined && this.#clock() - cached.at < this.#ttlMs ? cached : await this.#refresh(kid);
    return { claims: fresh.claims as unknown as JsonValue, x5c: fresh.x5c };
  }

  #refresh(kid: string): Promise<Cached> {
    const running = this.#refreshing.get(kid);
    if (running !== undefined) {
      return running;
    }
    const run = this.#validate(kid).finally(() => this.#refreshing.delete(kid));
    this.#refreshing.set(kid, run);
    return run;
  }

  async #validate(kid: string): Promise<Cached> {
    const certificates = this.certificates(kid);
    if (certificates.length === 0) {
      throw new NoActiveKeyError(`signing key ${kid} has no certificate here`);
    }
    const result = await this.#validator.validate(
      certificates.map((certificate) => certificate.certificatePem),
      { revocation: 'soft-fail' },
    );
    if (!result.valid) {
      throw new NoActiveKeyError(
        `the certificate of signing key ${kid} does not validate: ${result.reason ?? 'invalid'}`,
      );
    }
    const used =
      certificates.find((certificate) => certificate.issuer === result.validatedBy) ??
      (certificates[0] as IssuedCertificate);
    const entry: Cached = {
      at: this.#clock(),
      x5c: [derBase64(used.certificatePem)],
      claims: {
        caLocations: certificates.map((certificate) => ({
          caId: certificate.issuer,
          certificateUrl: certificate.caCertificateUrl,
          crlUrl: certificate.crlUrl,
        })),
        revocation: {
          validatedBy: result.validatedBy ?? null,
          revocationChecked: result.revocation.checked,
          crlNumber: result.revocation.crlNumber ?? null,
          thisUpdate: result.revocation.thisUpdate ?? null,
          nextUpdate: result.revocation.nextUpdate ?? null,
          checkedAt: this.#clock(),
        },
      },
    };
    this.#cache.set(kid, entry);
    return entry;
  }

  #file(kid: string): string {
    return join(this.#dir, `${Buffer.from(kid).toString('base64url')}.json`);
  }
}

/** A PEM certificate as x5c wants it: standard base64 of the DER (RFC 7515 §4.1.6). */
function derBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
