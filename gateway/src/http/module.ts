import type { Role } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LedgerAccess } from '../fabric';
import type { ApiCaller } from './caller';
import type { AnyRoute } from './route';

/**
 * What a check found besides "usable": `degraded` when the dependency works but needs attention (one CA of two
 * down, a queue backing up) — `/health` still answers 200, saying so — and figures an operator reads.
 */
export interface HealthFinding {
  readonly status?: 'ok' | 'degraded';
  readonly detail?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * One dependency the API needs. `check` resolves when it is usable (optionally with a finding) and throws (with
 * a reason) when not.
 */
export interface HealthCheck {
  readonly name: string;
  // A check that finds nothing to report returns nothing, as most do.
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  check(): Promise<HealthFinding | void> | HealthFinding | void;
}

/** What the API offers every route while it handles a request. */
export interface RequestServices {
  /** The caller's ledger access, counted in the API's metrics. */
  ledger(caller: ApiCaller): LedgerAccess;
  /** The roles the ledger grants the caller (Governance:WhoAmI as the caller), cached briefly. */
  rolesOf(caller: ApiCaller): Promise<readonly Role[]>;
  /** What every module says about the caller (e.g. which of this gateway's agents act as it), for whoami. */
  describeCaller(caller: ApiCaller): Readonly<Record<string, unknown>>;
  /** The API's OpenAPI document. */
  openApi(): unknown;
}

/** What a module gets when the app is assembled. */
export interface ApiModuleContext {
  /** The app's own prom-client registry: a module registers its metrics here. */
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface ApiTag {
  readonly name: string;
  readonly description?: string;
}

/**
 * A capability's part of the REST API: its routes (which call its typed contract client and its agents), its
 * OpenAPI tags, what it needs `/health` to check, and what it knows about a caller.
 */
export interface ApiModule {
  readonly name: string;
  readonly routes: readonly AnyRoute[];
  readonly tags?: readonly ApiTag[];
  readonly health?: readonly HealthCheck[];
  describeCaller?(caller: ApiCaller): Readonly<Record<string, unknown>>;
}

/** Builds a module once the app's registry and logger exist. */
export type ApiModuleFactory = (context: ApiModuleContext) => ApiModule;
