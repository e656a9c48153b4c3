import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { LedgerError } from '../fabric/errors';
import type { FrontendNodeHandle, ValidatorAgentHandle } from '../rotation/types';
import {
  sameIdentity,
  type ApiCaller,
  type CallerLedger,
  type IdentityResolver,
  type LedgerPort,
} from './auth';
import type { HealthCheck } from './health';
import { IdempotencyStore, type IdempotencyOptions } from './idempotency';
import { apiMetrics, type ApiMetrics } from './metrics';
import { ProblemError } from './problem';
import { MAX_ENVELOPE_BYTES } from './schemas';

/** Everything the REST API runs on. */
export interface ApiDeps {
  /** Bearer token / client certificate → caller with ledger clients that sign as that caller. */
  readonly identities: IdentityResolver;
  /** Validator agents of this gateway by name; rotate-now and compromise run through the caller's own. */
  readonly validators?: ReadonlyMap<string, ValidatorAgentHandle>;
  /** Front-end nodes of this gateway by name; encrypt and decrypt run through one of them. */
  readonly frontends?: ReadonlyMap<string, FrontendNodeHandle>;
  readonly logger?: Logger;
  /** A prom-client registry for this app alone (default: a new one); the app registers its metrics on it. */
  readonly metrics?: Registry;
  /** Dependencies `/health` checks (ledger reachability, HSM tokens). */
  readonly health?: readonly HealthCheck[];
  readonly healthTimeoutMs?: number;
  readonly idempotency?: IdempotencyStore | IdempotencyOptions;
  /** Ledger roles allowed to encrypt and decrypt through a front-end node (default: frontend). */
  readonly cryptoRoles?: readonly string[];
  /** How long a caller's ledger roles are reused for encrypt/decrypt checks (default 5 s; 0: ask every time). */
  readonly roleCacheMs?: number;
  /** Request body limits in bytes: control-plane routes (default 64 KiB), encrypt/decrypt (default fits 1 MiB of data). */
  readonly bodyLimits?: { readonly default?: number; readonly crypto?: number };
  /** OpenAPI `info.version` and `servers`. */
  readonly info?: { readonly version?: string; readonly servers?: readonly string[] };
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** base64 of the largest envelope, plus room for the JSON around it. */
export const DEFAULT_CRYPTO_BODY_LIMIT = Math.ceil((MAX_ENVELOPE_BYTES * 4) / 3) + 1024;

interface RoleEntry {
  readonly roles: readonly string[];
  readonly expiresAt: number;
}

/** The dependencies resolved with defaults, plus the helpers handlers share. */
export class ApiContext {
  readonly identities: IdentityResolver;
  readonly validators: ReadonlyMap<string, ValidatorAgentHandle>;
  readonly frontends: ReadonlyMap<string, FrontendNodeHandle>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: ApiMetrics;
  readonly health: readonly HealthCheck[];
  readonly healthTimeoutMs: number;
  readonly idempotency: IdempotencyStore;
  readonly cryptoRoles: readonly string[];
  readonly roleCacheMs: number;
  readonly bodyLimit: number;
  readonly cryptoBodyLimit: number;
  readonly version: string;
  readonly servers: readonly string[];
  readonly #roles = new Map<string, RoleEntry>();

  constructor(deps: ApiDeps) {
    this.identities = deps.identities;
    this.validators = deps.validators ?? new Map();
    this.frontends = deps.frontends ?? new Map();
    this.logger = deps.logger ?? pino({ level: 'silent' });
    this.registry = deps.metrics ?? new Registry();
    this.metrics = apiMetrics(this.registry);
    this.health = deps.health ?? [];
    this.healthTimeoutMs = deps.healthTimeoutMs ?? 3_000;
    this.idempotency =
      deps.idempotency instanceof IdempotencyStore
        ? deps.idempotency
        : new IdempotencyStore(deps.idempotency);
    this.cryptoRoles = deps.cryptoRoles ?? ['frontend'];
    this.roleCacheMs = deps.roleCacheMs ?? 5_000;
    this.bodyLimit = deps.bodyLimits?.default ?? DEFAULT_BODY_LIMIT;
    this.cryptoBodyLimit = deps.bodyLimits?.crypto ?? DEFAULT_CRYPTO_BODY_LIMIT;
    this.version = deps.info?.version ?? '0.1.0';
    this.servers = deps.info?.servers ?? [];
  }

  /** The caller's ledger clients, counting calls and errors in the metrics. */
  ledger(caller: ApiCaller): CallerLedger {
    return {
      governance: this.#instrument('Governance', caller.ledger.governance),
      rotation: this.#instrument('KeyRotation', caller.ledger.rotation),
    };
  }

  #instrument(contract: string, port: LedgerPort): LedgerPort {
    const run = async <T>(call: () => Promise<T>, fn: string): Promise<T> => {
      try {
        const result = await call();
        this.metrics.ledgerCalls.inc({ contract, function: fn, outcome: 'ok' });
        return result;
      } catch (error) {
        this.countLedgerError(contract, fn, error);
        throw error;
      }
    };
    return {
      evaluate: <T>(fn: string, ...args: string[]) => run(() => port.evaluate<T>(fn, ...args), fn),
      submit: <T>(fn: string, ...args: string[]) => run(() => port.submit<T>(fn, ...args), fn),
    };
  }

  countLedgerError(contract: string, fn: string, error: unknown): void {
    const kind = error instanceof LedgerError ? error.kind : 'CLIENT_ERROR';
    this.metrics.ledgerCalls.inc({ contract, function: fn, outcome: 'error' });
    this.metrics.ledgerErrors.inc({ contract, kind });
  }

  /** The validator agent acting as the caller, or a 403. */
  validatorFor(caller: ApiCaller, action: string): ValidatorAgentHandle {
    for (const handle of this.validators.values()) {
      if (sameIdentity(handle.identity, caller)) {
        return handle;
      }
    }
    throw new ProblemError(
      'forbidden',
      `only a validator can ${action}: ${caller.name} (${caller.mspId}) is not a validator agent of this gateway`,
    );
  }

  validatorNameOf(caller: ApiCaller): string | null {
    for (const handle of this.validators.values()) {
      if (sameIdentity(handle.identity, caller)) {
        return handle.name;
      }
    }
    return null;
  }

  frontendNameOf(caller: ApiCaller): string | null {
    for (const [name, handle] of this.frontends) {
      if (sameIdentity(handle.identity, caller)) {
        return name;
      }
    }
    return null;
  }

  /** The named front-end node, or the caller's own. */
  frontendFor(caller: ApiCaller, name: string | undefined): { name: string; node: FrontendNodeHandle } {
    if (name !== undefined) {
      const node = this.frontends.get(name);
      if (!node) {
        const known = [...this.frontends.keys()].sort().join(', ') || 'none';
        throw new ProblemError(
          'not-found',
          `no front-end node named ${name} on this gateway (known: ${known})`,
        );
      }
      return { name, node };
    }
    const own = this.frontendNameOf(caller);
    if (own === null) {
      throw new ProblemError(
        'invalid-request',
        `${caller.name} is not a front-end node of this gateway: name one with ?frontend=<name>`,
        { errors: [{ path: 'query.frontend', message: 'required unless the caller is a front-end node' }] },
      );
    }
    return { name: own, node: this.frontends.get(own) as FrontendNodeHandle };
  }

  /** The roles the ledger grants the caller (WhoAmI as the caller), reused for `roleCacheMs`. */
  async rolesOf(caller: ApiCaller): Promise<readonly string[]> {
    const key = `${caller.mspId}/${caller.fingerprint}`;
    const now = Date.now();
    const cached = this.#roles.get(key);
    if (cached && cached.expiresAt > now) {
      return cached.roles;
    }
    const view = await this.ledger(caller).governance.evaluate<{ roles?: string[] }>('WhoAmI');
    const roles = Array.isArray(view?.roles) ? view.roles : [];
    if (this.roleCacheMs > 0) {
      if (this.#roles.size >= 10_000) {
        this.#roles.clear();
      }
      this.#roles.set(key, { roles, expiresAt: now + this.roleCacheMs });
    }
    return roles;
  }

  async requireCryptoRole(caller: ApiCaller, action: string): Promise<void> {
    const roles = await this.rolesOf(caller);
    if (!roles.some((role) => this.cryptoRoles.includes(role))) {
      throw new ProblemError(
        'forbidden',
        `${action} needs the ledger role ${this.cryptoRoles.join(' or ')}; ${caller.name} has ${
          roles.length > 0 ? roles.join(', ') : 'no role'
        }`,
      );
    }
  }
}
