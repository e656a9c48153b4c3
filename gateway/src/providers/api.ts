import type { ApiModuleFactory } from '../http';
import type { LedgerKeyAccess } from './access';
import type { KeyOrchestrator } from './orchestrator';
import type { KeyReplicator } from './registry/replicate';
import { keyOperationRoutes, TAG_KEY_OPERATIONS } from './routes/keyOperations';
import { keyRegistryRoutes, TAG_KEYS } from './routes/keyRegistry';
import { providerViewRoutes, TAG_PROVIDERS } from './routes/providerViews';

export interface ProvidersApiDeps {
  readonly orchestrator: KeyOrchestrator;
  readonly access: LedgerKeyAccess;
  readonly replicator: KeyReplicator;
  readonly reporting: () => { readonly pending: number; readonly batchesConfirmed: number };
}

/** The providers capability's part of the REST API: the key registry, key operations, provider views. */
export function providersApi(deps: ProvidersApiDeps): ApiModuleFactory {
  return () => ({
    name: 'providers',
    routes: [...keyRegistryRoutes(deps.replicator), ...keyOperationRoutes(deps), ...providerViewRoutes(deps)],
    tags: [
      {
        name: TAG_KEYS,
        description: 'Customer master keys and who may use them (KMS-like grants on the ledger)',
      },
      {
        name: TAG_KEY_OPERATIONS,
        description:
          'Data keys, encrypt and decrypt with a CMK, served by providers chosen by reputation and load',
      },
      { name: TAG_PROVIDERS, description: 'Key providers: on-chain scores and this gateway’s live view' },
    ],
  });
}
