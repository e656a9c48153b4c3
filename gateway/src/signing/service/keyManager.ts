import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import { ServiceError } from '../../errors';
import { errorText } from '../../logging';
import type { SigningKeyInfo, SigningKeyStore, SigningAlgorithm } from '../keys';
import type { SigningLedger } from '../ledger';
import { KeyScheduler, type PendingSigningKey, type RotationScheduleStatus } from './keyScheduler';
import { watchRevocations, type RevocationEvents, type RevocationWatch } from './revocationWatch';
import { parseRotationPolicy, type RotationPolicy, type RotationPolicyInput } from './rotationSchedule';

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
  /** Scheduled rotation (see rotationSchedule.ts); absent: the key rotates only when asked or revoked. */
  readonly rotation?: RotationPolicyInput | RotationPolicy;
  /** Chaincode events to follow for revocations by anyone (absent: the poll alone notices them). */
  readonly events?: RevocationEvents;
  /** How often the active and pending keys' ledger records are read, the fallback for events (default 30 s). */
  readonly pollIntervalMs?: number;
  /** First wait after a failed scheduled step or recovery (default 1 s), doubling up to 5 min. */
  readonly retryMs?: number;
  /**
   * Told of every change this manager makes or learns of on the ledger — a key published, activated or revoked —
   * after it is on the ledger (for caches of the JWKS, and to revoke a revoked key's certificates). Must not throw.
   */
  readonly onChange?: (change: SigningKeyChange) => void;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** A change of one of the service's keys on the ledger. */
export interface SigningKeyChange {
  readonly kind: 'published' | 'activated' | 'revoked';
  readonly record: signing.SigningKeyRecord;
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
 * never signs again; its public JWK stays on the ledger for verification during its grace). With a rotation
 * policy the next key is published `publishAhead` before its rotation time and activated at it (KeyScheduler).
 * A revocation of the active key — by this service or by anyone on the ledger (revocationWatch) — rotates at
 * once, to the pending key if one is published. Changes run one at a time; `current()` waits while one is under
 * way, so workers never sign with a key the ledger no longer has active — except in the window of one
 * transaction or event, which `stillActive` lets a worker check after signing.
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
  readonly #onChange: (change: SigningKeyChange) => void;
  readonly #options: Readonly<SigningKeyManagerOptions>;
  readonly #scheduler: KeyScheduler;
  #watch: RevocationWatch | undefined;
  #current: ActiveSigningKey | undefined;
  /** The next key, published and held in the token; at most one. */
  #next: PendingSigningKey | undefined;
  /** Kids this service must not sign with any more (revoked or retired since they were current). */
  readonly #withdrawn = new Set<string>();
  /** Each revocation handled once, whoever reports it (revoke(), an event, the poll, a REST route). */
  readonly #revocations = new Map<string, Promise<RotationReport | undefined>>();
  #rotating: Promise<unknown> | undefined;
  /** The schedule runs between start() and stop() only: a failed start leaves no timer behind. */
  #started = false;
  #stopped = false;

  constructor(options: Readonly<SigningKeyManagerOptions>) {
    this.#options = options;
    this.#store = options.store;
    this.#ledger = options.ledger;
    this.#serviceId = options.serviceId;
    this.#certify = options.certify;
    this.#algorithm = options.algorithm ?? 'ES256';
    this.#graceMs = options.graceMs;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    this.#onChange = options.onChange ?? ((): void => undefined);
    const rotation = options.rotation;
    // Parsed here so that a bad policy fails construction, before any key is touched.
    const policy = rotation === undefined || 'period' in rotation ? rotation : parseRotationPolicy(rotation);
    this.#scheduler = new KeyScheduler({
      keys: {
        active: () => this.#current,
        pending: () => this.#next,
        publishNext: (activeKid) => this.#exclusive(() => this.#publishFor(activeKid)),
        activateNext: (activeKid) =>
          this.#exclusive(async () =>
            this.#current?.kid === activeKid ? this.#activateNext('scheduled', activeKid) : undefined,
          ),
        recover: () =>
          this.#exclusive(async () =>
            this.#current === undefined ? this.#activateNext('revoked') : undefined,
          ),
      },
      ...(policy === undefined ? {} : { policy }),
      clock: this.#clock,
      ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  get serviceId(): string {
    return this.#serviceId;
  }

  /**
   * Takes up the service's active key if the ledger says so and the token holds it (a restart), and its
   * published next key likewise; otherwise makes one. Then starts the schedule and the revocation watch.
   * Returns the active key.
   */
  async start(): Promise<ActiveSigningKey> {
    const mine = (key: signing.SigningKeyRecord): boolean => key.serviceId === this.#serviceId;
    const active = (await this.#ledger.list('active')).find(mine);
    await this.#takeUpPublished((await this.#ledger.list('published')).filter(mine));
    if (active !== undefined && this.#store.find(active.kid) !== undefined) {
      this.#current = this.#fromRecord(active);
      this.#logger?.info({ kid: active.kid }, 'signing with the active key from the ledger');
    } else {
      if (active !== undefined) {
        // Active on the ledger but its private half is not in this token: it cannot sign here, and no one else
        // should sign with it either — a rotation retires it.
        this.#logger?.warn({ kid: active.kid }, 'the active key is not in this token; rotating');
      }
      await this.rotate('initial', active?.kid);
    }
    this.#watch = watchRevocations({
      ledger: this.#ledger,
      serviceId: this.#serviceId,
      ...(this.#options.events === undefined ? {} : { events: this.#options.events }),
      pollIntervalMs: this.#options.pollIntervalMs ?? 30_000,
      watched: () => [this.#current?.kid, this.#next?.kid].filter((kid): kid is string => kid !== undefined),
      onRevoked: (record) => this.keyRevoked(record),
      ...(this.#logger === undefined ? {} : { logger: this.#logger }),
    });
    this.#started = true;
    this.#scheduler.plan();
    return this.#current as ActiveSigningKey;
  }

  /** Stops the schedule and the watch; waits for a change under way. The keys stay as they are. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#scheduler.stop();
    await this.#watch?.stop();
    this.#watch = undefined;
    await this.#rotating?.catch(() => undefined);
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

  /** The rotation schedule for /health; undefined without a policy (or while no key is active). */
  schedule(): RotationScheduleStatus | undefined {
    return this.#scheduler.schedule();
  }

  /**
   * The next key activated — the pending one, else one made, certified and published first — and the old one
   * retired. One change at a time.
   */
  rotate(cause: RotationCause, expectedActiveKid = this.#current?.kid): Promise<RotationReport> {
    return this.#exclusive(() => this.#activateNext(cause, expectedActiveKid));
  }

  /**
   * Revokes a key on the ledger (RFC 5280 reason, optional compromise time), then {@link keyRevoked}: when it
   * is the one signing, rotates at once, and workers wait for the new key meanwhile.
   */
  async revoke(input: {
    readonly kid: string;
    readonly reason: signing.RevocationReason;
    readonly compromisedAt?: number;
  }): Promise<{ readonly revoked: signing.SigningKeyRecord; readonly rotation?: RotationReport }> {
    let handled: Promise<RotationReport | undefined> | undefined;
    const revoked = await this.#exclusive(async () => {
      const record = await this.#ledger.revoke(input);
      // Queued behind this very change, so workers go on waiting until the new key is active.
      handled = this.keyRevoked(record);
      return record;
    });
    const rotation = await handled;
    return { revoked, ...(rotation === undefined ? {} : { rotation }) };
  }

  /**
   * A key of this service was revoked on the ledger (by this service or anyone else). It never signs again:
   * its private half is destroyed; when it was the active key, the next one is activated at once (the pending
   * key if one is published), workers waiting meanwhile; when it was the pending key, another is published in
   * its place. Idempotent: a second report of the same revocation returns the first one's answer, so an event
   * and a caller reporting it rotate once. Undefined when no rotation was needed.
   */
  keyRevoked(record: signing.SigningKeyRecord): Promise<RotationReport | undefined> {
    if (record.serviceId !== this.#serviceId || record.status !== 'revoked') {
      return Promise.resolve(undefined);
    }
    const known = this.#revocations.get(record.kid);
    if (known !== undefined) {
      return known;
    }
    // At once, not when the change runs: a token a worker is signing with it now is dropped (stillActive).
    this.#withdrawn.add(record.kid);
    this.#onChange({ kind: 'revoked', record });
    const handled = this.#exclusive(async () => {
      const wasCurrent = this.#current?.kid === record.kid;
      if (this.#next?.kid === record.kid) {
        this.#next = undefined;
      }
      this.#store.destroy(record.kid);
      this.#logger?.warn(
        { kid: record.kid, reason: record.revocationReason, compromisedAt: record.compromisedAt, wasCurrent },
        'signing key revoked',
      );
      if (!wasCurrent) {
        return undefined;
      }
      // The ledger has no active key for this service now: the next one activates without an expected kid.
      this.#current = undefined;
      return this.#activateNext('revoked', undefined, record.kid);
    });
    this.#revocations.set(record.kid, handled);
    return handled;
  }

  /** Runs `work` after any change under way; `current()` waits for it; the schedule is planned again after. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#rotating ?? Promise.resolve(undefined);
    const run: Promise<T> = previous
      .catch(() => undefined)
      .then(work)
      .finally(() => {
        if (this.#rotating === run) {
          this.#rotating = undefined;
          if (this.#started && !this.#stopped) {
            this.#scheduler.plan();
          }
        }
      });
    this.#rotating = run;
    return run;
  }

  /** Restart: the newest published key the token holds is the pending one; the others are revoked. */
  async #takeUpPublished(published: readonly signing.SigningKeyRecord[]): Promise<void> {
    const newestFirst = [...published].sort((a, b) => b.registeredAt - a.registeredAt);
    const held = newestFirst.find((key) => this.#store.find(key.kid) !== undefined);
    if (held !== undefined) {
      this.#next = { kid: held.kid, issuerCaIds: held.issuerCaIds, publishedAt: held.registeredAt };
      this.#logger?.info({ kid: held.kid }, 'taking up the published next key from the ledger');
    }
    for (const key of newestFirst.filter((key) => key !== held)) {
      // Without its private half it can never be activated here, yet it would stay in the JWKS for good
      // (a published key has no grace to end); a second held one would be a second next key.
      try {
        const revoked = await this.#ledger.revoke({ kid: key.kid, reason: 'superseded' });
        this.#onChange({ kind: 'revoked', record: revoked });
        this.#withdrawn.add(key.kid);
        this.#store.destroy(key.kid);
        this.#logger?.warn({ kid: key.kid }, 'revoked a published key that will not be activated');
      } catch (error) {
        this.#logger?.warn(
          { kid: key.kid, error: errorText(error) },
          'could not revoke an unused published key',
        );
      }
    }
  }

  /** The scheduled publish step: skipped when the key it was planned for is no longer active. */
  async #publishFor(activeKid: string): Promise<PendingSigningKey | undefined> {
    if (this.#current?.kid !== activeKid || this.#next !== undefined) {
      return this.#next;
    }
    return this.#publish('scheduled');
  }

  /** A new key made in the token, certified and registered published: the pending next key. */
  async #publish(cause: RotationCause): Promise<PendingSigningKey> {
    const made = this.#store.generate({ alg: this.#algorithm });
    try {
      const issuerCaIds = await this.#certify(made);
      // notBefore on a whole second: a JWT's iat has seconds only, and a token must not predate its key.
      const notBefore = Math.floor(this.#clock() / 1000) * 1000;
      const record = await this.#ledger.register({
        kid: made.kid,
        publicJwk: publicMembers(made),
        issuerCaIds,
        notBefore,
        algorithm: made.alg,
        activate: false,
        serviceId: this.#serviceId,
        ...(this.#graceMs === undefined ? {} : { graceMs: this.#graceMs }),
      });
      this.#next = { kid: made.kid, issuerCaIds, publishedAt: record.registeredAt };
      this.#onChange({ kind: 'published', record });
      this.#logger?.info({ kid: made.kid, cause, issuerCaIds }, 'next signing key published');
      return this.#next;
    } catch (error) {
      // Not registered (or not known to be): it never signs. Should it have been registered after all, the
      // next start revokes it (a published key without its private half here).
      this.#store.destroy(made.kid);
      throw new NoActiveKeyError(`publishing the next key (${cause}) failed: ${errorText(error)}`, error);
    }
  }

  async #activateNext(
    cause: RotationCause,
    expectedActiveKid?: string,
    replacing = this.#current?.kid ?? expectedActiveKid,
  ): Promise<RotationReport> {
    const pending = this.#next ?? (await this.#publish(cause));
    let activated: signing.SigningKeyRecord;
    try {
      activated = await this.#ledger.activate(pending.kid, expectedActiveKid);
    } catch (error) {
      await this.#dropIfUnusable(pending);
      throw new NoActiveKeyError(`rotation (${cause}) failed: ${errorText(error)}`, error);
    }
    this.#next = undefined;
    this.#onChange({ kind: 'activated', record: activated });
    const previousKid = replacing;
    if (previousKid !== undefined && previousKid !== pending.kid) {
      this.#withdrawn.add(previousKid);
      this.#store.destroy(previousKid);
    }
    this.#current = this.#fromRecord(activated);
    const report: RotationReport = {
      cause,
      ...(previousKid === undefined ? {} : { previousKid }),
      kid: pending.kid,
      issuerCaIds: pending.issuerCaIds,
      activatedAt: this.#current.activatedAt,
    };
    this.#logger?.info(report, 'signing key rotated');
    return report;
  }

  /** After a failed activation: the pending key stays for the next try unless it is no longer published. */
  async #dropIfUnusable(pending: PendingSigningKey): Promise<void> {
    const record = await this.#ledger.get(pending.kid).catch(() => undefined);
    if (record !== undefined && record.status !== 'published' && this.#next?.kid === pending.kid) {
      this.#next = undefined;
      this.#store.destroy(pending.kid);
    }
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
