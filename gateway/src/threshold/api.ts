import type { ApiModuleFactory } from '../http';
import { thresholdHealthCheck, type ThresholdHealthOptions } from './health';
import { thresholdBreakGlassRoutes } from './routes/breakGlass';
import { thresholdFaultRoutes } from './routes/faults';
import { thresholdKeyRoutes } from './routes/keys';
import { TAG_THRESHOLD, thresholdModuleRoutes } from './routes/modules';
import { thresholdSessionRoutes } from './routes/sessions';
import { thresholdSigningRoutes } from './routes/signing';
import type { ThresholdService } from './service/thresholdService';

export interface ThresholdApiDeps {
  readonly service: ThresholdService;
  /** For the `threshold` health check (the modules and their scores); without it, there is no such check. */
  readonly health?: ThresholdHealthOptions;
}

/**
 * Threshold key custody's part of the REST API: modules and their trust, key policies and ceremonies, signing,
 * escrow and break-glass operations, sessions. Every ledger call is the caller's own.
 */
export function thresholdApi(deps: ThresholdApiDeps): ApiModuleFactory {
  return () => ({
    name: 'threshold',
    routes: [
      ...thresholdModuleRoutes(),
      ...thresholdKeyRoutes(deps),
      ...thresholdSigningRoutes(deps),
      ...thresholdBreakGlassRoutes(deps),
      ...thresholdSessionRoutes(),
      ...thresholdFaultRoutes(deps),
    ],
    tags: [
      {
        name: TAG_THRESHOLD,
        description:
          'Ed25519 keys split t-of-n across security modules chosen by trust on the ledger: policies, key ' +
          'ceremonies, signing (raw or JWS), escrow and break-glass operations, and the sessions behind them',
      },
    ],
    health: deps.health === undefined ? [] : [thresholdHealthCheck(deps.health)],
  });
}
