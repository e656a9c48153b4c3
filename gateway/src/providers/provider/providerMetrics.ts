import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A provider's Prometheus metrics, on a registry of its own. Labels are bounded: operations and outcomes. */
export interface ProviderMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'operation' | 'outcome'>;
  readonly duration: Histogram<'operation'>;
  readonly keys: Gauge;
  readonly refusedClients: Counter;
}

export function providerMetrics(providerId: string): ProviderMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ provider: providerId });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'keyledger_provider_requests_total',
      help: 'Key operations answered, by operation and outcome (ok or the problem type)',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'keyledger_provider_request_duration_seconds',
      help: 'Time to answer a key operation, HSM work included',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    keys: new Gauge({ name: 'keyledger_provider_keys', help: 'CMKs held in the token', registers }),
    refusedClients: new Counter({
      name: 'keyledger_provider_refused_clients_total',
      help: 'Requests refused because the client certificate is not a registered orchestrator',
      registers,
    }),
  };
}
