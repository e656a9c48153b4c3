import type { ApiModuleFactory } from '../http';
import type { CaValidator } from './ca';
import { signingHealthCheck, type SigningHealthOptions } from './health';
import { signingKeyRoutes, TAG_SIGNING_KEYS } from './routes/keys';
import { signingRequestRoutes, TAG_SIGNING_REQUESTS } from './routes/requests';
import { signingRevokeRoutes } from './routes/revoke';
import type { SigningService } from './service';

export interface SigningApiDeps {
  readonly service: SigningService;
  /** The CAs tokens are verified against (in order, failing over). */
  readonly validator: CaValidator;
  readonly health?: SigningHealthOptions;
}

/** The signing capability's part of the REST API: requests and their status, keys, JWKS, verification. */
export function signingApi(deps: SigningApiDeps): ApiModuleFactory {
  return () => ({
    name: 'signing',
    routes: [
      ...signingRequestRoutes(deps.service),
      ...signingKeyRoutes(deps),
      ...signingRevokeRoutes(deps.service),
    ],
    tags: [
      {
        name: TAG_SIGNING_REQUESTS,
        description:
          'Claims queued to be signed as JWTs in the HSM, and their status (long-running operations)',
      },
      {
        name: TAG_SIGNING_KEYS,
        description:
          'The signing keys on the ledger, the JWKS built from it, revocation and token verification',
      },
    ],
    health: [signingHealthCheck(deps.service, deps.validator, deps.health)],
  });
}
