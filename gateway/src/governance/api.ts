import type { ApiModuleFactory } from '../http';
import { governanceRoutes, TAG_GOVERNANCE } from './routes';

/** Governance's part of the REST API. */
export function governanceApi(): ApiModuleFactory {
  return () => ({
    name: 'governance',
    routes: governanceRoutes(),
    tags: [{ name: TAG_GOVERNANCE, description: 'Members, roles and the caller as the ledger sees it' }],
  });
}
