import { callerOf, defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { ProvidersLedger, type ScoredProvider } from '../ledger';
import type { KeyOrchestrator } from '../orchestrator';
import { providerDetailSchema, providerListSchema, providerParams } from '../schemas';

export const TAG_PROVIDERS = 'Key providers';
const LEDGER_ERRORS = [502, 503] as const;

export interface ProviderViewDeps {
  readonly orchestrator: KeyOrchestrator;
  /** Outcomes waiting to be reported, and batches the ledger confirmed. */
  readonly reporting: () => { readonly pending: number; readonly batchesConfirmed: number };
}

/** This gateway's live view of a provider, as the REST API shows it. */
interface ProviderLiveView {
  readonly inFlight: number;
  readonly ewmaMs: number;
  readonly breaker: string;
  readonly consecutiveFailures: number;
  readonly outcomes: number;
}

type ProviderView = Omit<ScoredProvider, 'certificatePem' | 'publicKeyPem'> & { live?: ProviderLiveView };

/** A profile for display (no PEM blocks) with this gateway's live view of it. */
function view(profile: ScoredProvider, live: ReadonlyMap<string, ProviderLiveView>): ProviderView {
  const shown: Record<string, unknown> = { ...profile };
  delete shown['certificatePem'];
  delete shown['publicKeyPem'];
  const known = live.get(profile.providerId);
  return (known ? { ...shown, live: known } : shown) as ProviderView;
}

/** The providers as the ledger scores them and as this gateway's orchestrator sees them now. */
export function providerViewRoutes(deps: ProviderViewDeps): AnyRoute[] {
  const live = (): Map<string, ProviderLiveView> =>
    new Map(
      deps.orchestrator.providers().map((p) => [
        p.providerId,
        {
          inFlight: p.inFlight,
          ewmaMs: p.ewmaMs,
          breaker: p.breaker.state,
          consecutiveFailures: p.breaker.consecutiveFailures,
          outcomes: p.recorded,
        },
      ]),
    );
  return [
    defineRoute({
      method: 'get',
      path: '/v1/providers',
      operationId: 'listProviders',
      summary: 'Every provider: on-chain score and profile, and its live load and breaker state here',
      tags: [TAG_PROVIDERS],
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'providers, best score first', schema: providerListSchema } },
      errors: [...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        const profiles = await ledger.listProviders({ includeSuspended: true });
        const known = live();
        return ok({
          providers: profiles.map((p) => view(p, known)),
          reporting: deps.reporting(),
          asOf: Date.now(),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId',
      operationId: 'getProvider',
      summary: 'One provider: profile, score and its components, counters, recent outcomes, live view',
      tags: [TAG_PROVIDERS],
      params: providerParams,
      query: noQuery,
      responses: { 200: { description: 'the provider', schema: providerDetailSchema } },
      errors: [404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        const detail = await ledger.getProviderDetail(context.params.providerId);
        if (!detail) {
          throw new ProblemError('not-found', `no provider ${context.params.providerId} is registered`);
        }
        const scored: ScoredProvider = {
          ...detail.provider,
          score: detail.score,
          components: detail.components,
        };
        return ok({
          provider: view(scored, live()),
          stats: detail.stats,
          recent: detail.recent,
          asOf: detail.asOf,
        });
      },
    }),
  ];
}
