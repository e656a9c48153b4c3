export { createApp } from './app';
export { ApiContext, type ApiDeps, DEFAULT_BODY_LIMIT, DEFAULT_CRYPTO_BODY_LIMIT } from './context';
export {
  authenticate,
  certificateFingerprint,
  staticIdentityResolver,
  type ApiCaller,
  type AuthenticatedCaller,
  type CallerLedger,
  type IdentityResolver,
  type LedgerPort,
  type StaticIdentity,
} from './auth';
export {
  fabricIdentityResolver,
  openFabricCaller,
  type FabricCaller,
  type FabricIdentityEntry,
} from './fabricCaller';
export {
  hsmTokenCheck,
  ledgerReachableCheck,
  runHealthChecks,
  type HealthCheck,
  type HealthReport,
} from './health';
export { IdempotencyStore, type IdempotencyOptions } from './idempotency';
export { apiMetrics, type ApiMetrics } from './metrics';
export { buildOpenApi } from './openapi';
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, ProblemError, problemTypeUri, renderProblem } from './problem';
export { routes } from './routes';
export { startApiServer, type ApiServer, type ApiServerOptions, type ApiTlsOptions } from './server';
