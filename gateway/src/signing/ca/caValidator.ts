import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CaClient, type ClientTlsIdentity } from './caClient';
import { CaHealthMonitor, type CaHealth, type CaHealthMonitorOptions } from './caHealth';
import { DOCUMENT_SIGNING_EKU } from './certificateAuthority';
import { CrlCache, type CrlCacheOptions, type VerifiedCrl } from './crlCache';
import { validatePath } from './pathValidation';
import { PathVerdictCache } from './pathVerdictCache';
import { revocationReasonName, type RevocationReason } from './revocationReason';

/** One CA the validator trusts, in the order it is asked. */
export interface TrustedCa {
  readonly id: string;
  /** Its service, https://host:port (CRL at `/crl`). */
  readonly baseUrl: string;
  /** Its certificate (PEM), pinned: the trust anchor of the path and the root of the service's TLS certificate. */
  readonly certificatePem: string;
  /** Only for issuing and revoking through {@link CaValidator.client}. */
  readonly clientTls?: ClientTlsIdentity;
}

export type RevocationPolicy = 'hard-fail' | 'soft-fail';

export interface ValidateOptions {
  /**
   * What to do when no CRL can be fetched: `hard-fail` (default) answers invalid; `soft-fail` answers on the path
   * alone, with `revocation.checked: 'none'`.
   */
  readonly revocation?: RevocationPolicy;
  /** The time to validate at (default now): the path's validity and the CRL's currency. */
  readonly at?: Date;
}

/** What was known about revocation when the answer was given: what a token's revocation snapshot carries. */
export interface RevocationSnapshot {
  readonly checked: 'crl' | 'none';
  readonly policy: RevocationPolicy;
  readonly crlNumber?: number;
  readonly thisUpdate?: string;
  readonly nextUpdate?: string;
  readonly revoked?: boolean;
  readonly reason?: RevocationReason;
  readonly revokedAt?: string;
  /** The CRL entry's invalidityDate (RFC 5280 §5.3.2): from when the key is not to be trusted, if it says. */
  readonly invalidityDate?: string;
}

/**
 * The CRL entry that made a certificate invalid, given only when it is the one fault found: the path held
 * (pkijs, without the CRL, keyUsage and EKU included) and the deciding CA's CRL lists the serial. A caller
 * judging a signature made before `invalidityDate` (or `revocationDate` when there is none) may rely on it.
 */
export interface RevokedEntry {
  readonly caId: string;
  readonly serial: string;
  readonly crlNumber: number;
  readonly reason: RevocationReason;
  readonly revocationDate: string;
  readonly invalidityDate?: string;
}

export interface PathElement {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
}

/** What happened at one CA, in the order they were tried. */
export interface CaAttempt {
  readonly caId: string;
  readonly outcome: 'validated' | 'invalid' | 'unhealthy-skipped' | 'crl-unavailable' | 'not-issuer';
  readonly detail?: string;
}

export interface ValidationResult {
  readonly valid: boolean;
  /** The CA whose path and CRL (or path alone, under soft-fail) gave the answer. */
  readonly validatedBy?: string;
  /** True when a CA before `validatedBy` was skipped or unreachable. */
  readonly failedOver: boolean;
  /** The certificate's subject CN: the signing key's kid. */
  readonly kid?: string;
  /** Serial of the certificate that was validated. */
  readonly serial?: string;
  /** Leaf first, trust anchor last. */
  readonly path: readonly PathElement[];
  readonly revocation: RevocationSnapshot;
  readonly attempts: readonly CaAttempt[];
  /** Why it is invalid. */
  readonly reason?: string;
  /** When it is invalid only because it was revoked: the CRL entry (see {@link RevokedEntry}). */
  readonly revokedEntry?: RevokedEntry;
}

export interface CaValidatorOptions {
  /** Tried in this order. */
  readonly cas: readonly TrustedCa[];
  readonly health?: CaHealthMonitorOptions;
  readonly crl?: CrlCacheOptions;
  /** Per request to a CA (default 5 s). */
  readonly timeoutMs?: number;
}

export type CertificateInput = string | Uint8Array;

/** What a path check found: why the path does not hold (absent when it does), and the path, leaf first. */
interface PathCheck {
  readonly reason?: string;
  readonly path: readonly PathElement[];
}

interface Candidate {
  readonly ca: TrustedCa;
  readonly anchor: x509.X509Certificate;
  readonly certificate: x509.X509Certificate;
}

function toCertificate(input: CertificateInput): x509.X509Certificate {
  return new x509.X509Certificate(typeof input === 'string' ? input : new Uint8Array(input));
}

function element(certificate: x509.X509Certificate): PathElement {
  return { subject: certificate.subject, issuer: certificate.issuer, serial: certificate.serialNumber };
}

function commonName(certificate: x509.X509Certificate): string | undefined {
  return certificate.subjectName.getField('CN')[0];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Validates signing-key certificates against several CAs, with fail-over. A signing key is certified by every CA
 * (the signing service asks each to issue a certificate for the same key), so a token can carry one certificate
 * per CA and any healthy CA can vouch for it. The validator tries the configured CAs in order — healthy and
 * not-yet-checked ones first, unhealthy ones last — and the first CA that can give a full answer (path + current
 * CRL) decides, valid or not: a revocation at one CA is never overruled by another. A CA that cannot serve its
 * CRL is marked unhealthy and the next one is asked. Only when no CA can serve a CRL does the policy apply.
 */
export class CaValidator {
  readonly #cas: readonly {
    readonly ca: TrustedCa;
    readonly anchor: x509.X509Certificate;
    readonly client: CaClient;
  }[];
  readonly #health: CaHealthMonitor;
  readonly #crls: CrlCache;
  readonly #verdicts = new PathVerdictCache<PathCheck>();

  constructor(options: Readonly<CaValidatorOptions>) {
    if (options.cas.length === 0) {
      throw new Error('a CA validator needs at least one CA');
    }
    const ids = new Set(options.cas.map((ca) => ca.id));
    if (ids.size !== options.cas.length) {
      throw new Error('CA ids must be distinct');
    }
    this.#cas = options.cas.map((ca) => ({
      ca,
      anchor: new x509.X509Certificate(ca.certificatePem),
      client: new CaClient({
        id: ca.id,
        baseUrl: ca.baseUrl,
        caCertificatePem: ca.certificatePem,
        ...(ca.clientTls ? { clientTls: ca.clientTls } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      }),
    }));
    this.#health = new CaHealthMonitor(
      this.#cas.map((entry) => entry.client),
      options.health,
    );
    this.#crls = new CrlCache(options.crl);
  }

  /** Starts the periodic health checks (first round awaited). */
  start(): Promise<void> {
    return this.#health.start();
  }

  stop(): void {
    this.#health.stop();
  }

  /** One round of health checks now. */
  checkHealth(): Promise<void> {
    return this.#health.checkAll();
  }

  health(): CaHealth[] {
    return this.#health.all();
  }

  /** The client of one configured CA (to issue and revoke, with its clientTls). */
  client(caId: string): CaClient {
    const entry = this.#cas.find((candidate) => candidate.ca.id === caId);
    if (!entry) {
      throw new Error(`no CA ${caId} is configured`);
    }
    return entry.client;
  }

  /** Forgets cached CRLs, e.g. after a revocation this process asked for. */
  invalidateCrls(caId?: string): void {
    this.#crls.invalidate(caId);
  }

  /**
   * Validates a signing certificate, or the certificates of one key from several CAs (PEM or DER each). All must
   * certify the same public key for the same kid.
   */
  async validate(
    certificates: CertificateInput | readonly CertificateInput[],
    options: ValidateOptions = {},
  ): Promise<ValidationResult> {
    const policy = options.revocation ?? 'hard-fail';
    const at = options.at ?? new Date();
    const none: RevocationSnapshot = { checked: 'none', policy };
    const inputs =
      typeof certificates === 'string' || certificates instanceof Uint8Array
        ? [certificates]
        : [...certificates];
    let parsed: x509.X509Certificate[];
    try {
      parsed = inputs.map(toCertificate);
    } catch (error) {
      return this.#invalid(`not an X.509 certificate: ${messageOf(error)}`, none, []);
    }
    const first = parsed[0];
    if (first === undefined) {
      return this.#invalid('no certificate given', none, []);
    }
    const spki = Buffer.from(first.publicKey.rawData);
    if (parsed.some((c) => !Buffer.from(c.publicKey.rawData).equals(spki) || c.subject !== first.subject)) {
      return this.#invalid('the certificates do not all certify the same key for the same kid', none, []);
    }

    const attempts: CaAttempt[] = [];
    const issuing: Candidate[] = [];
    for (const entry of this.#cas) {
      const certificate = parsed.find((c) => c.issuer === entry.anchor.subject);
      if (certificate) {
        issuing.push({ ca: entry.ca, anchor: entry.anchor, certificate });
      } else {
        attempts.push({ caId: entry.ca.id, outcome: 'not-issuer' });
      }
    }
    const chosen = issuing[0];
    if (chosen === undefined) {
      const issuers = [...new Set(parsed.map((c) => c.issuer))].join('; ');
      return this.#invalid(`not issued by any configured CA (issuer: ${issuers})`, none, attempts);
    }
    const firstChoice = chosen.ca.id;
    const decided = (result: ValidationResult): ValidationResult => ({
      ...result,
      failedOver: result.validatedBy !== undefined && result.validatedBy !== firstChoice,
    });
    // CAs known to be down are asked last: only when no other CA could give a full answer.
    const down = new Set(issuing.filter((c) => this.#health.get(c.ca.id).state === 'unhealthy'));
    for (const candidate of down) {
      const detail = this.#health.get(candidate.ca.id).lastError;
      attempts.push({ caId: candidate.ca.id, outcome: 'unhealthy-skipped', ...(detail ? { detail } : {}) });
    }
    const ordered = [...issuing.filter((c) => !down.has(c)), ...issuing.filter((c) => down.has(c))];

    for (const candidate of ordered) {
      const offline = await this.#checkPath(candidate, undefined, at);
      if (offline.reason !== undefined) {
        attempts.push({ caId: candidate.ca.id, outcome: 'invalid', detail: offline.reason });
        return decided({
          ...this.#invalid(offline.reason, none, attempts),
          validatedBy: candidate.ca.id,
          ...this.#identity(candidate),
        });
      }
      let crl: VerifiedCrl;
      try {
        crl = await this.#crls.get(this.client(candidate.ca.id), candidate.anchor, new Date());
        this.#health.markHealthy(candidate.ca.id);
      } catch (error) {
        this.#health.markUnhealthy(candidate.ca.id, error);
        attempts.push({ caId: candidate.ca.id, outcome: 'crl-unavailable', detail: messageOf(error) });
        continue;
      }
      return decided(await this.#withCrl(candidate, crl, policy, at, attempts));
    }

    const reasons = attempts
      .filter((attempt) => attempt.outcome === 'crl-unavailable')
      .map((attempt) => `${attempt.caId}: ${attempt.detail ?? attempt.outcome}`)
      .join('; ');
    if (policy === 'hard-fail') {
      return {
        ...this.#invalid(
          `revocation could not be checked: no CRL could be fetched from any CA that issued the certificate (hard-fail): ${reasons}`,
          none,
          attempts,
        ),
        ...this.#identity(chosen),
      };
    }
    // soft-fail: the path alone (every path held offline above), at the first CA in configured order.
    const offline = await this.#checkPath(chosen, undefined, at);
    attempts.push({
      caId: chosen.ca.id,
      outcome: 'validated',
      detail: 'path only, no CRL could be fetched (soft-fail)',
    });
    return decided({
      valid: true,
      validatedBy: chosen.ca.id,
      failedOver: false,
      ...this.#identity(chosen),
      path: offline.path,
      revocation: none,
      attempts,
    });
  }

  async #withCrl(
    candidate: Candidate,
    crl: VerifiedCrl,
    policy: RevocationPolicy,
    at: Date,
    attempts: CaAttempt[],
  ): Promise<ValidationResult> {
    const base = {
      checked: 'crl' as const,
      policy,
      crlNumber: crl.crlNumber,
      thisUpdate: crl.thisUpdate.toISOString(),
      nextUpdate: crl.nextUpdate.toISOString(),
    };
    // Explicit, not left to the path engine: the entry gives the reason and the time.
    const entry = crl.crl.findRevoked(candidate.certificate.serialNumber);
    const checked = await this.#checkPath(candidate, crl.der, at);
    if (entry) {
      const reason = revocationReasonName(entry.reason);
      const revokedAt = entry.revocationDate.toISOString();
      const invalidityDate = entry.invalidity?.toISOString();
      const revocation: RevocationSnapshot = {
        ...base,
        revoked: true,
        reason,
        revokedAt,
        ...(invalidityDate === undefined ? {} : { invalidityDate }),
      };
      const since = invalidityDate === undefined ? '' : `, invalid since ${invalidityDate}`;
      const text = `revoked by ${candidate.ca.id} (${reason}, ${revokedAt}${since}) in CRL number ${crl.crlNumber}`;
      attempts.push({ caId: candidate.ca.id, outcome: 'invalid', detail: text });
      // The offline path held (checked before the CRL was fetched): the entry is the only fault.
      return {
        ...this.#invalid(text, revocation, attempts),
        validatedBy: candidate.ca.id,
        ...this.#identity(candidate),
        path: checked.path,
        revokedEntry: {
          caId: candidate.ca.id,
          serial: candidate.certificate.serialNumber,
          crlNumber: crl.crlNumber,
          reason,
          revocationDate: revokedAt,
          ...(invalidityDate === undefined ? {} : { invalidityDate }),
        },
      };
    }
    const revocation: RevocationSnapshot = { ...base, revoked: false };
    if (checked.reason !== undefined) {
      attempts.push({ caId: candidate.ca.id, outcome: 'invalid', detail: checked.reason });
      return {
        ...this.#invalid(checked.reason, revocation, attempts),
        validatedBy: candidate.ca.id,
        ...this.#identity(candidate),
      };
    }
    attempts.push({ caId: candidate.ca.id, outcome: 'validated' });
    return {
      valid: true,
      validatedBy: candidate.ca.id,
      failedOver: false,
      ...this.#identity(candidate),
      path: checked.path,
      revocation,
      attempts,
    };
  }

  /**
   * RFC 5280 path by pkijs, then what a signing certificate must also be: digitalSignature, document signing. The
   * whole answer is reused for the same leaf, anchor and CRL (PathVerdictCache): parsing the path's certificates
   * costs about as much as validating it.
   */
  #checkPath(candidate: Candidate, crl: Buffer | undefined, at: Date): Promise<PathCheck> {
    const leaf = Buffer.from(candidate.certificate.rawData);
    const anchor = Buffer.from(candidate.anchor.rawData);
    return this.#verdicts.get({ leaf, anchor, crl, at }, candidate.certificate.notAfter, async () => {
      const verdict = await validatePath(leaf, anchor, crl, at);
      const path = verdict.path.map((der) => element(new x509.X509Certificate(new Uint8Array(der))));
      if (!verdict.valid) {
        return {
          reason: `the certificate path to ${candidate.ca.id} is invalid: ${verdict.message ?? 'rejected'}`,
          path,
        };
      }
      const keyUsage = candidate.certificate.getExtension(x509.KeyUsagesExtension);
      if (!keyUsage || (keyUsage.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
        return { reason: 'the certificate does not allow digital signatures (keyUsage)', path };
      }
      const eku = candidate.certificate.getExtension(x509.ExtendedKeyUsageExtension);
      if (!eku || !eku.usages.includes(DOCUMENT_SIGNING_EKU)) {
        return {
          reason: 'the certificate is not a signing certificate (no document-signing extended key usage)',
          path,
        };
      }
      return { path };
    });
  }

  #identity(candidate: Candidate): { kid?: string; serial: string } {
    const kid = commonName(candidate.certificate);
    return { ...(kid !== undefined ? { kid } : {}), serial: candidate.certificate.serialNumber };
  }

  #invalid(reason: string, revocation: RevocationSnapshot, attempts: readonly CaAttempt[]): ValidationResult {
    return { valid: false, failedOver: false, path: [], revocation, attempts, reason };
  }
}
