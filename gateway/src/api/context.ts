import type { Role } from '@keyledger/chaincode/protocol';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { toLedgerError, type ContractTransport, type LedgerAccess } from '../fabric';
import { GovernanceLedger } from '../governance';
import type { AnyRoute, ApiCaller, ApiModule, ApiModuleFactory, HealthCheck, RequestServices } from '../http';
import type { IdentityResolver } from './auth';
import { IdempotencyStore, type IdempotencyOptions } from './idempotency';
import { apiMetrics, type ApiMetrics } from './metrics';

/** Everything the REST API runs on. */
export interface ApiDeps {
  /** Bearer token / client certificate → caller with a ledger connection that signs as that caller. */
  readonly identities: IdentityResolver;
  /** The capabilities' parts of the API (routes, tags, health checks), in the order their routes are listed. */
  readonly modules?: readonly ApiModuleFactory[];
  readonly logger?: Logger;
  /** A prom-client registry for this app alone (default: a new one); the app registers its metrics on it. */
  readonly metrics?: Registry;
  /** Dependencies `/health` checks besides the modules' own (ledger reachability, HSM tokens). */
  readonly health?: readonly HealthCheck[];
  readonly healthTimeoutMs?: number;
  readonly idempotency?: IdempotencyStore | IdempotencyOptions;
  /** How long a caller's ledger roles are reused for role checks (default 5 s; 0: ask every time). */
  readonly roleCacheMs?: number;
  /** Request body limits in bytes: control-plane routes (default 64 KiB), message data (default fits 1 MiB). */
  readonly bodyLimits?: { readonly default?: number; readonly crypto?: number };
  /** OpenAPI `info.version` and `servers`. */
  readonly info?: { readonly version?: string; readonly servers?: readonly string[] };
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Largest message one encrypt call takes, as base64 in JSON: 1 MiB of data plus a header allowance. */
export const DEFAULT_CRYPTO_BODY_LIMIT = Math.ceil(((1024 * 1024 + 4096) * 4) / 3) + 1024;

interface RoleEntry {
  readonly roles: readonly Role[];
  readonly expiresAt: number;
}

/** The dependencies resolved with defaults, the modules built, and the services every route gets. */
export class ApiContext implements RequestServices {
  readonly identities: IdentityResolver;
  readonly modules: readonly ApiModule[];
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: ApiMetrics;
  readonly health: readonly HealthCheck[];
  readonly healthTimeoutMs: number;
  readonly idempotency: IdempotencyStore;
  readonly roleCacheMs: number;
  readonly bodyLimit: number;
  readonly cryptoBodyLimit: number;
  readonly version: string;
  readonly servers: readonly string[];
  readonly #roles = new Map<string, RoleEntry>();
  #openApi: unknown;
  #routes: readonly AnyRoute[] = [];

  constructor(deps: ApiDeps) {
    this.identities = deps.identities;
    this.logger = deps.logger ?? pino({ level: 'silent' });
    this.registry = deps.metrics ?? new Registry();
    this.metrics = apiMetrics(this.registry);
    this.modules = (deps.modules ?? []).map((factory) =>
      factory({ registry: this.registry, logger: this.logger }),
    );
    this.health = [...(deps.health ?? []), ...this.modules.flatMap((module) => module.health ?? [])];
    this.healthTimeoutMs = deps.healthTimeoutMs ?? 3_000;
    this.idempotency =
      deps.idempotency instanceof IdempotencyStore
        ? deps.idempotency
        : new IdempotencyStore(deps.idempotency);
    this.roleCacheMs = deps.roleCacheMs ?? 5_000;
    this.bodyLimit = deps.bodyLimits?.default ?? DEFAULT_BODY_LIMIT;
    this.cryptoBodyLimit = deps.bodyLimits?.crypto ?? DEFAULT_CRYPTO_BODY_LIMIT;
    this.version = deps.info?.version ?? '0.1.0';
    this.servers = deps.info?.servers ?? [];
  }

  /** The caller's ledger access, counting calls and errors by contract and function in the metrics. */
  ledger(caller: ApiCaller): LedgerAccess {
    return { contract: (name) => this.#instrument(name, caller.ledger.contract(name)) };
  }

  #instrument(contract: string, transport: ContractTransport): ContractTransport {
    const run = async (fn: string, call: () => Promise<Uint8Array>): Promise<Uint8Array> => {
      try {
        const result = await call();
        this.metrics.ledgerCalls.inc({ contract, function: fn, outcome: 'ok' });
        return result;
      } catch (error) {
        // Errors arrive here as fabric-gateway threw them; the contract client maps them again (error path only).
        this.metrics.ledgerCalls.inc({ contract, function: fn, outcome: 'error' });
        this.metrics.ledgerErrors.inc({ contract, kind: toLedgerError(error).kind });
        throw error;
      }
    };
    return {
      evaluateTransaction: (fn, ...args) => run(fn, () => transport.evaluateTransaction(fn, ...args)),
      submitTransaction: (fn, ...args) => run(fn, () => transport.submitTransaction(fn, ...args)),
    };
  }

  /** The roles the ledger grants the caller (WhoAmI as the caller), reused for `roleCacheMs`. */
  async rolesOf(caller: ApiCaller): Promise<readonly Role[]> {
    const key = `${caller.mspId}/${caller.fingerprint}`;
    const now = Date.now();
    const cached = this.#roles.get(key);
    if (cached && cached.expiresAt > now) {
      return cached.roles;
    }
    const view = await new GovernanceLedger(this.ledger(caller)).whoAmI();
    const roles = Array.isArray(view?.roles) ? view.roles : [];
    if (this.roleCacheMs > 0) {
      if (this.#roles.size >= 10_000) {
        this.#roles.clear();
      }
      this.#roles.set(key, { roles, expiresAt: now + this.roleCacheMs });
    }
    return roles;
  }

  describeCaller(caller: ApiCaller): Readonly<Record<string, unknown>> {
    return Object.assign({}, ...this.modules.map((module) => module.describeCaller?.(caller) ?? {}));
  }

  openApi(): unknown {
    return this.#openApi;
  }

  /** Every route of the app, the API's own first, in the order they were mounted. */
  get routes(): readonly AnyRoute[] {
    return this.#routes;
  }

  /** Set once by the app when the route table is complete. */
  mount(routes: readonly AnyRoute[], openApi: unknown): void {
    this.#routes = routes;
    this.#openApi = openApi;
  }
}
