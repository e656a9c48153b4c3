import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { HsmToken } from '../../hsm';
import { writeFileAtomic } from '../../files';
import { loadOrCreateCaKey, type CaKey } from './caKey';
import {
  CA_NAME_PATTERN,
  caCertificateUrl,
  caCrlUrl,
  keyIdentifier,
  KID_PATTERN,
  newSerial,
} from './caNames';
import { CaStateStore, type CaStateData } from './caState';
import { crlNumberExtension, crlNumberOf } from './crlNumber';
import { CaRequestError, CaStateError, CertificateNotFoundError } from './errors';
import { hsmWebCrypto, type X509Crypto } from './hsmWebCrypto';
import { parseSubjectPublicKey, type SubjectPublicKey } from './publicKeyInput';
import { REVOCATION_REASONS, type RevocationReason } from './revocationReason';

export const CA_CERTIFICATE_FILE = 'ca.pem';
/** The newest CRL, PEM (writeFileAtomic writes text); served as DER. */
export const CA_CRL_FILE = 'crl.pem';

/** id-kp-documentSigning (RFC 9336): what a signing-key certificate is for, and what the validator requires. */
export const DOCUMENT_SIGNING_EKU = '1.3.6.1.5.5.7.3.36';

const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Clock skew allowance on notBefore of what is issued. */
const BACKDATE_MS = 5 * 60_000;

export interface CertificateAuthorityOptions {
  /** The CA id: 1-31 characters of A-Z a-z 0-9 . _ - (its certificate's CN is `KeyLedger CA <name>`). */
  readonly name: string;
  /** Its certificate, CRL and state. Never its key: that is in `token`. */
  readonly dataDir: string;
  /** The CA's own token (the caller keeps ownership and closes it). */
  readonly token: HsmToken;
  /** Where it is reachable: issued certificates point at `<baseUrl>/crl` and `<baseUrl>/ca.pem`. */
  readonly baseUrl: string;
  /** Lifetime of an issued signing certificate (default 90 days). */
  readonly certificateValidityMs?: number;
  /** nextUpdate − thisUpdate of each CRL (default 24 hours); a CRL is re-signed once half of it has passed. */
  readonly crlValidityMs?: number;
  /** Lifetime of the self-signed CA certificate made on first start (default 10 years). */
  readonly caValidityMs?: number;
  /** Default: the system clock. */
  readonly now?: () => Date;
}

export interface IssueRequest {
  readonly kid: string;
  readonly publicKey: SubjectPublicKey;
}

export interface IssuedCertificate {
  readonly serial: string;
  readonly kid: string;
  /** The CA name. */
  readonly issuer: string;
  readonly certificatePem: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly crlUrl: string;
  readonly caCertificateUrl: string;
}

export interface RevokeRequest {
  readonly reason?: RevocationReason;
  /** When the CA revokes it: the CRL entry's revocationDate (default now). */
  readonly revokedAt?: Date;
  /**
   * When the key is known or suspected to have been compromised, or otherwise stopped being trustworthy: the CRL
   * entry's invalidityDate extension (RFC 5280 §5.3.2). It may be earlier than revokedAt, which is when the CA
   * learnt of it; a signature made before it may still be relied on. Default: none on the entry.
   */
  readonly invalidityDate?: Date;
}

export interface Revocation {
  readonly serial: string;
  readonly reason: RevocationReason;
  readonly revokedAt: string;
  /** The entry's invalidityDate, when the revocation gave one. */
  readonly invalidityDate?: string;
  /** The CRL that lists it. */
  readonly crlNumber: number;
  /** True when it had been revoked before (nothing changed). */
  readonly alreadyRevoked: boolean;
}

export interface PublishedCrl {
  readonly der: Buffer;
  readonly crlNumber: number;
  readonly thisUpdate: string;
  readonly nextUpdate: string;
}

export interface CaStatus {
  readonly name: string;
  readonly crlNumber: number;
  readonly issued: number;
  readonly revoked: number;
  readonly crlNextUpdate: string;
}

/**
 * One local certificate authority: a self-signed P-256 root whose private key never leaves the CA's token, which
 * issues signing-key certificates and publishes a CRL. Issue and revoke are serialised and made durable before
 * they are answered; CRL numbers only ever grow, across crashes too (the number is saved before the CRL is signed).
 */
export class CertificateAuthority {
  readonly name: string;
  readonly baseUrl: string;
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly #key: CaKey;
  readonly #state: CaStateStore;
  readonly #dataDir: string;
  readonly #crypto: X509Crypto;
  readonly #now: () => Date;
  readonly #certificateValidityMs: number;
  readonly #crlValidityMs: number;
  #crl: { readonly crl: x509.X509Crl; readonly der: Buffer } | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    options: CertificateAuthorityOptions,
    key: CaKey,
    state: CaStateStore,
    certificate: x509.X509Certificate,
    crypto: X509Crypto,
  ) {
    this.name = options.name;
    this.baseUrl = options.baseUrl;
    this.certificate = certificate;
    this.certificatePem = certificate.toString('pem');
    this.#key = key;
    this.#state = state;
    this.#dataDir = options.dataDir;
    this.#crypto = crypto;
    this.#now = options.now ?? ((): Date => new Date());
    this.#certificateValidityMs = options.certificateValidityMs ?? 90 * DAY_MS;
    this.#crlValidityMs = options.crlValidityMs ?? DAY_MS;
  }

  /** Opens the CA in `dataDir` with its token: makes key, certificate and first CRL on first start. */
  static async open(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    if (!CA_NAME_PATTERN.test(options.name)) {
      throw new CaRequestError(`CA name ${options.name}: 1-31 characters of A-Z a-z 0-9 . _ -`);
    }
    const crypto = hsmWebCrypto();
    const key = loadOrCreateCaKey(options.token);
    const state = CaStateStore.open(options.dataDir, options.name);
    const certificate = await loadOrCreateCaCertificate(options, key, crypto);
    const ca = new CertificateAuthority(options, key, state, certificate, crypto);
    await ca.#exclusive(() => ca.#loadOrPublishCrl());
    return ca;
  }

  get #signingKey(): x509.X509CrlCreateParams['signingKey'] {
    return this.#key.privateKey.asCryptoKey();
  }

  /** Certifies a P-256 public key for `kid`: digital signatures (RFC 9336 document signing) only. */
  issue(request: IssueRequest): Promise<IssuedCertificate> {
    if (!KID_PATTERN.test(request.kid)) {
      throw new CaRequestError(
        'kid must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - starting with a letter or digit',
      );
    }
    const subject = parseSubjectPublicKey(request.publicKey);
    return this.#exclusive(async () => {
      const now = this.#now().getTime();
      const notBefore = new Date(now - BACKDATE_MS);
      const notAfter = new Date(now + this.#certificateValidityMs);
      const certificate = await x509.X509CertificateGenerator.create(
        {
          serialNumber: newSerial(),
          subject: [{ CN: [request.kid] }],
          issuer: this.certificate.subjectName,
          notBefore,
          notAfter,
          publicKey: new Uint8Array(subject.spki),
          signingKey: this.#signingKey,
          signingAlgorithm: SIGNING,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([DOCUMENT_SIGNING_EKU]),
            new x509.SubjectKeyIdentifierExtension(keyIdentifier(subject.point)),
            new x509.AuthorityKeyIdentifierExtension(keyIdentifier(this.#key.publicPoint)),
            new x509.CRLDistributionPointsExtension([caCrlUrl(this.baseUrl)]),
            new x509.AuthorityInfoAccessExtension({ caIssuers: caCertificateUrl(this.baseUrl) }),
          ],
        },
        this.#crypto,
      );
      const issued: IssuedCertificate = {
        serial: certificate.serialNumber,
        kid: request.kid,
        issuer: this.name,
        certificatePem: certificate.toString('pem'),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        crlUrl: caCrlUrl(this.baseUrl),
        caCertificateUrl: caCertificateUrl(this.baseUrl),
      };
      this.#state.update((draft) => {
        draft.issued.push({
          serial: issued.serial,
          kid: issued.kid,
          notBefore: issued.notBefore,
          notAfter: issued.notAfter,
          issuedAt: new Date(now).toISOString(),
          certificatePem: issued.certificatePem,
        });
      });
      return issued;
    });
  }

  /**
   * Revokes a certificate this CA issued and publishes a new CRL listing it. Revoking it again changes nothing and
   * answers the first revocation (reason and times are not rewritten: RFC 5280 keeps the first).
   */
  revoke(serial: string, request: RevokeRequest = {}): Promise<Revocation> {
    const normalised = serial.toLowerCase();
    const revokedAt = request.revokedAt ?? this.#now();
    // Compromised later than revoked would say the CA revoked a key that was still good: a caller's mistake.
    if (
      request.invalidityDate !== undefined &&
      request.invalidityDate.getTime() > revokedAt.getTime() + BACKDATE_MS
    ) {
      throw new CaRequestError(
        `invalidityDate ${request.invalidityDate.toISOString()} is after the revocation (${revokedAt.toISOString()})`,
      );
    }
    return this.#exclusive(async () => {
      if (this.#state.issued(normalised) === undefined) {
        throw new CertificateNotFoundError(normalised);
      }
      const existing = this.#state.revoked(normalised);
      if (existing) {
        return { ...existing, crlNumber: this.#state.data.crlNumber, alreadyRevoked: true };
      }
      const record = {
        serial: normalised,
        reason: request.reason ?? 'unspecified',
        revokedAt: revokedAt.toISOString(),
        ...(request.invalidityDate === undefined
          ? {}
          : { invalidityDate: request.invalidityDate.toISOString() }),
      };
      const crlNumber = await this.#publishCrl((draft) => draft.revoked.push(record));
      return { ...record, crlNumber, alreadyRevoked: false };
    });
  }

  /** The current CRL, re-signed (with the next number) once half of its validity has passed. */
  currentCrl(): Promise<PublishedCrl> {
    return this.#exclusive(async () => {
      if (this.#crl === undefined || this.#isStale(this.#crl.crl)) {
        await this.#publishCrl(() => undefined);
      }
      return this.#describeCrl();
    });
  }

  /** Issues the short-lived TLS server certificate the CA's HTTPS service presents (not recorded: it is not a signing certificate). */
  issueTlsCertificate(spki: Buffer, hosts: readonly string[], validityMs: number): Promise<string> {
    return this.#exclusive(async () => {
      const now = this.#now().getTime();
      const certificate = await x509.X509CertificateGenerator.create(
        {
          serialNumber: newSerial(),
          subject: [{ CN: [`KeyLedger CA ${this.name} TLS`] }],
          issuer: this.certificate.subjectName,
          notBefore: new Date(now - BACKDATE_MS),
          notAfter: new Date(now + validityMs),
          publicKey: new Uint8Array(spki),
          signingKey: this.#signingKey,
          signingAlgorithm: SIGNING,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.AuthorityKeyIdentifierExtension(keyIdentifier(this.#key.publicPoint)),
            new x509.SubjectAlternativeNameExtension(
              hosts.map((host) => ({
                type: /^[\d.]+$|:/.test(host) ? ('ip' as const) : ('dns' as const),
                value: host,
              })),
            ),
          ],
        },
        this.#crypto,
      );
      return certificate.toString('pem');
    });
  }

  status(): CaStatus {
    const data = this.#state.data;
    return {
      name: this.name,
      crlNumber: data.crlNumber,
      issued: data.issued.length,
      revoked: data.revoked.length,
      crlNextUpdate: this.#crl?.crl.nextUpdate?.toISOString() ?? '',
    };
  }

  #isStale(crl: x509.X509Crl): boolean {
    const nextUpdate = crl.nextUpdate?.getTime() ?? 0;
    return this.#now().getTime() >= nextUpdate - this.#crlValidityMs / 2;
  }

  #describeCrl(): PublishedCrl {
    const current = this.#crl;
    if (current === undefined) {
      throw new CaStateError(`CA ${this.name} has no CRL`); // #loadOrPublishCrl ran in open()
    }
    return {
      der: current.der,
      crlNumber: crlNumberOf(current.crl) ?? 0,
      thisUpdate: current.crl.thisUpdate.toISOString(),
      nextUpdate: current.crl.nextUpdate?.toISOString() ?? '',
    };
  }

  /** The saved CRL if it is the newest number and still fresh; otherwise a new one. */
  async #loadOrPublishCrl(): Promise<void> {
    const path = join(this.#dataDir, CA_CRL_FILE);
    if (existsSync(path)) {
      try {
        const crl = new x509.X509Crl(readFileSync(path, 'utf8'));
        const der = Buffer.from(crl.rawData);
        const fresh = crlNumberOf(crl) === this.#state.data.crlNumber && !this.#isStale(crl);
        if (fresh && (await crl.verify({ publicKey: this.certificate.publicKey }, this.#crypto))) {
          this.#crl = { crl, der };
          return;
        }
      } catch {
        // a torn or foreign file: publish a new CRL below
      }
    }
    await this.#publishCrl(() => undefined);
  }

  /**
   * Saves the next CRL number together with `change` (one atomic write), then signs and writes that CRL. A crash
   * between the two leaves a number that was never published, which is allowed; a reused number is not.
   */
  async #publishCrl(change: (draft: CaStateData) => void): Promise<number> {
    const saved = this.#state.update((draft) => {
      change(draft);
      draft.crlNumber += 1;
    });
    const thisUpdate = this.#now();
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: this.certificate.subjectName,
        thisUpdate,
        nextUpdate: new Date(thisUpdate.getTime() + this.#crlValidityMs),
        entries: saved.revoked.map((record) => ({
          serialNumber: record.serial,
          revocationDate: new Date(record.revokedAt),
          reason: REVOCATION_REASONS[record.reason],
          ...(record.invalidityDate === undefined ? {} : { invalidity: new Date(record.invalidityDate) }),
        })),
        extensions: [
          crlNumberExtension(saved.crlNumber),
          new x509.AuthorityKeyIdentifierExtension(keyIdentifier(this.#key.publicPoint)),
        ],
        signingKey: this.#signingKey,
        signingAlgorithm: SIGNING,
      },
      this.#crypto,
    );
    const der = Buffer.from(crl.rawData);
    writeFileAtomic(join(this.#dataDir, CA_CRL_FILE), crl.toString('pem'), { mode: 0o644 });
    this.#crl = { crl, der };
    return saved.crlNumber;
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation, operation);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

async function loadOrCreateCaCertificate(
  options: CertificateAuthorityOptions,
  key: CaKey,
  crypto: X509Crypto,
): Promise<x509.X509Certificate> {
  const path = join(options.dataDir, CA_CERTIFICATE_FILE);
  if (existsSync(path)) {
    const certificate = new x509.X509Certificate(readFileSync(path, 'utf8'));
    if (!Buffer.from(certificate.publicKey.rawData).equals(key.spki)) {
      throw new CaStateError(`${path} does not certify the key in token ${options.token.label}`);
    }
    return certificate;
  }
  const now = (options.now ?? ((): Date => new Date()))().getTime();
  const name: x509.JsonName = [{ CN: [`KeyLedger CA ${options.name}`] }, { O: ['KeyLedger'] }];
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerial(),
      subject: name,
      issuer: name,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (options.caValidityMs ?? 3650 * DAY_MS)),
      publicKey: new Uint8Array(key.spki),
      signingKey: key.privateKey.asCryptoKey(),
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.SubjectKeyIdentifierExtension(keyIdentifier(key.publicPoint)),
      ],
    },
    crypto,
  );
  if (!(await certificate.verify({ signatureOnly: true }, crypto))) {
    throw new CaStateError(
      `the token's signature on the new certificate of CA ${options.name} does not verify`,
    );
  }
  writeFileAtomic(path, certificate.toString('pem'), { mode: 0o644 });
  return certificate;
}
