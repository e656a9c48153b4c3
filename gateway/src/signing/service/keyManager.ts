import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import { ServiceError } from '../../errors';
import type { SigningKeyInfo, SigningKeyStore, SigningAlgorithm } from '../keys';
import type { SigningLedger } from '../ledger';

/** The key tokens are signed with now. */
export interface ActiveSigningKey {
  readonly kid: string;
  readonly alg: signing.SigningAlgorithm;
  /** When the ledger activated it. */
  readonly activatedAt: number;
}

/** Who certifies a new key: the CA ids to register it with (each CA has issued it a certificate by then). */
export type CertifyKey = (key: SigningKeyInfo) => Promise<readonly string[]>;

export interface SigningKeyManagerOptions {
  readonly store: SigningKeyStore;
  readonly ledger: SigningLedger;
  /** The issuer scope on the ledger: at most one active key per service. */
  readonly serviceId: string;
  readonly certify: CertifyKey;
  readonly algorithm?: SigningAlgorithm;
  /** How long a retired key stays in the JWKS (the contract's default when absent). */
  readonly graceMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** Why a rotation happened, for the log and the answer. */
export type RotationCause = 'initial' | 'scheduled' | 'revoked' | 'requested';

export interface RotationReport {
  readonly cause: RotationCause;
  readonly previousKid?: string;
  readonly kid: string;
  readonly issuerCaIds: readonly string[];
  readonly activatedAt: number;
}

/** No key can sign: the service has none active and could not make one. */
export class NoActiveKeyError extends ServiceError {
  constructor(message: string, cause?: unknown) {
    super({ message, problemType: 'unavailable', cause });
  }
}

/**
 * The signing service's key lifecycle, with the ledger as the record: a new key is made in the token, certified
 * by the CAs, registered published (verify-only, so caches of the JWKS learn it first) and then activated, which
 * retires the previous one in the same transaction; the retired key's private half is destroyed at once (it
 * never signs again; its public JWK stays on the ledger for verification during its grace). A revocation of the
 * active key rotates at once. Rotations run one at a time; `current()` waits while one is under way, so workers
 * never sign with a key the ledger no longer has active — except in the window of one transaction, which
 * `stillActive` lets a worker check after signing.
 */
export class SigningKeyManager {
  readonly #store: SigningKeyStore;
  readonly #ledger: SigningLedger;
  readonly #serviceId: string;
  readonly #certify: CertifyKey;
  readonly #algorithm: SigningAlgorithm;
  readonly #graceMs: number | undefined;
  readonly #clock: () => number;
  readonly #logger: Logger | undefined;
  #current: ActiveSigningKey | undefined;
  /** Kids this service must not sign with any more (revoked or retired since they were current). */
  readonly #withdrawn = new Set<string>();
  #rotating: Promise<RotationReport> | undefined;

  constructor(options: Readonly<SigningKeyManagerOptions>) {
    this.#store = options.store;
    this.#ledger = options.ledger;
    this.#serviceId = options.serviceId;
    this.#certify = options.certify;
    this.#algorithm = options.algorithm ?? 'ES256';
    this.#graceMs = options.graceMs;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
  }

  get serviceId(): string {
    return this.#serviceId;
  }

  /**
   * Takes up the service's active key if the ledger says so and the token holds it (a restart); otherwise makes
   * one. Returns the active key.
   */
  async start(): Promise<ActiveSigningKey> {
    const active = (await this.#ledger.list('active')).find((key) => key.serviceId === this.#serviceId);
    if (active !== undefined && this.#store.find(active.kid) !== undefined) {
      this.#current = this.#fromRecord(active);
      this.#logger?.info({ kid: active.kid }, 'signing with the active key from the ledger');
      return this.#current;
    }
    if (active !== undefined) {
      // Active on the ledger but its private half is not in this token: it cannot sign here, and no one else
      // should sign with it either — a rotation retires it.
      this.#logger?.warn({ kid: active.kid }, 'the active key is not in this token; rotating');
    }
    const report = await this.rotate('initial', active?.kid);
    return { kid: report.kid, alg: this.#algorithm, activatedAt: report.activatedAt };
  }

  /** The key to sign with; waits for a rotation under way. */
  async current(): Promise<ActiveSigningKey> {
    for (;;) {
      const rotating = this.#rotating;
      if (rotating !== undefined) {
        await rotating.catch(() => undefined);
        continue;
      }
      if (this.#current === undefined) {
        throw new NoActiveKeyError('the signing service has no active key');
      }
      return this.#current;
    }
  }

  /** The key in use now, without waiting (undefined while none is). */
  peek(): ActiveSigningKey | undefined {
    return this.#rotating === undefined ? this.#current : undefined;
  }

  /** Whether a rotation is under way (workers wait for it). */
  rotating(): boolean {
    return this.#rotating !== undefined;
  }

  /** Whether a token signed with `kid` may still be released (the key was not withdrawn meanwhile). */
  stillActive(kid: string): boolean {
    return !this.#withdrawn.has(kid) && this.#rotating === undefined && this.#current?.kid === kid;
  }

  /** A new key made, certified, published, then activated; the old one retired. One rotation at a time. */
  rotate(cause: RotationCause, expectedActiveKid = this.#current?.kid): Promise<RotationReport> {
    return this.#exclusive(() => this.#rotateOnce(cause, expectedActiveKid));
  }

  /**
   * Revokes a key on the ledger (RFC 5280 reason, optional compromise time); when it is the one signing, rotates
   * at once, and workers wait for the new key meanwhile. The private half is destroyed: a revoked key never signs
   * again.
   */
  async revoke(input: {
    readonly kid: string;
    readonly reason: signing.RevocationReason;
    readonly compromisedAt?: number;
  }): Promise<{ readonly revoked: signing.SigningKeyRecord; readonly rotation?: RotationReport }> {
    let revoked: signing.SigningKeyRecord | undefined;
    const revokeOnly = async (): Promise<void> => {
      revoked = await this.#ledger.revoke(input);
      this.#withdrawn.add(input.kid);
      this.#store.destroy(input.kid);
      this.#logger?.warn(
        { kid: input.kid, reason: input.reason, compromisedAt: input.compromisedAt },
        'signing key revoked',
      );
    };
    if (this.#current?.kid !== input.kid) {
      await revokeOnly();
      return { revoked: revoked as signing.SigningKeyRecord };
    }
    const rotation = await this.#exclusive(async () => {
      this.#withdrawn.add(input.kid);
      await revokeOnly();
      // The ledger has no active key for this service now: the next one activates without an expected kid.
      this.#current = undefined;
      return this.#rotateOnce('revoked', undefined, input.kid);
    });
    return { revoked: revoked as signing.SigningKeyRecord, rotation };
  }

  /** Runs `work` after any rotation under way; `current()` waits for it. */
  #exclusive(work: () => Promise<RotationReport>): Promise<RotationReport> {
    const previous = this.#rotating ?? Promise.resolve(undefined);
    const run: Promise<RotationReport> = previous
      .catch(() => undefined)
      .then(work)
      .finally(() => {
        if (this.#rotating === run) {
          this.#rotating = undefined;
        }
      });
    this.#rotating = run;
    return run;
  }

  async #rotateOnce(
    cause: RotationCause,
    expectedActiveKid: string | undefined,
    replacing = this.#current?.kid ?? expectedActiveKid,
  ): Promise<RotationReport> {
    const made = this.#store.generate({ alg: this.#algorithm });
    let activated: signing.SigningKeyRecord;
    let issuerCaIds: readonly string[];
    try {
      issuerCaIds = await this.#certify(made);
      // notBefore on a whole second: a JWT's iat has seconds only, and a token must not predate its key.
      const notBefore = Math.floor(this.#clock() / 1000) * 1000;
      await this.#ledger.register({
        kid: made.kid,
        publicJwk: publicMembers(made),
        issuerCaIds,
        notBefore,
        algorithm: made.alg,
        activate: false,
        serviceId: this.#serviceId,
        ...(this.#graceMs === undefined ? {} : { graceMs: this.#graceMs }),
      });
      activated = await this.#ledger.activate(made.kid, expectedActiveKid);
    } catch (error) {
      // Not registered, or published and not active: either way it never signs. A published key stays on the
      // ledger (harmless: verify-only, and revocable); the private half goes.
      this.#store.destroy(made.kid);
      throw new NoActiveKeyError(
        `rotation (${cause}) failed: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    const previousKid = replacing;
    if (previousKid !== undefined && previousKid !== made.kid) {
      this.#withdrawn.add(previousKid);
      this.#store.destroy(previousKid);
    }
    this.#current = this.#fromRecord(activated);
    const report: RotationReport = {
      cause,
      ...(previousKid === undefined ? {} : { previousKid }),
      kid: made.kid,
      issuerCaIds,
      activatedAt: this.#current.activatedAt,
    };
    this.#logger?.info(report, 'signing key rotated');
    return report;
  }

  #fromRecord(record: signing.SigningKeyRecord): ActiveSigningKey {
    return { kid: record.kid, alg: record.algorithm, activatedAt: record.activatedAt ?? record.registeredAt };
  }
}

/** The JWK's key members only (kty, crv, x, y): what the ledger stores; kid and alg travel beside it. */
function publicMembers(key: SigningKeyInfo): signing.PublicJwk {
  return Object.fromEntries(
    Object.entries(key.publicJwk).filter(
      (entry): entry is [string, string] =>
        ['kty', 'crv', 'x', 'y'].includes(entry[0]) && typeof entry[1] === 'string',
    ),
  );
}
