export { apiContextOf, createApp, MAX_FIELD_ERRORS } from './app';
export { authenticate, staticIdentityResolver, type IdentityResolver, type StaticIdentity } from './auth';
export { ApiContext, DEFAULT_BODY_LIMIT, DEFAULT_CRYPTO_BODY_LIMIT, type ApiDeps } from './context';
export {
  fabricIdentityResolver,
  openFabricCaller,
  type FabricCaller,
  type FabricIdentityEntry,
} from './fabricCaller';
export { hsmTokenCheck, ledgerReachableCheck, runHealthChecks, type HealthReport } from './health';
export { IdempotencyStore, type IdempotencyOptions } from './idempotency';
export { apiMetrics, type ApiMetrics } from './metrics';
export { buildOpenApi } from './openapi';
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TITLES,
  PROBLEM_TYPE_NAMES,
  problemTypeUri,
  renderProblem,
  type ProblemDocument,
  type RenderedProblem,
} from './problem';
export {
  ApiTokenStore,
  ApiTokenStoreError,
  tokenApi,
  tokenStoreResolver,
  type ApiTokenRecord,
  type ApiTokenStatus,
  type IssuedToken,
} from './tokens';
export { startApiServer, type ApiServer, type ApiServerOptions, type ApiTlsOptions } from './server';
