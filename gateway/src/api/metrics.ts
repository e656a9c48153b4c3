/**
 * The metrics the REST API records, on a prom-client registry of the app's own (never the global default
 * registry, so several apps and test harnesses in one process do not collide).
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

type HttpLabels = 'method' | 'route' | 'status';

/** The metrics the REST API records. Label values stay bounded: route templates, enums, configured names. */
export interface ApiMetrics {
  readonly requests: Counter<HttpLabels>;
  readonly duration: Histogram<HttpLabels>;
  readonly ledgerCalls: Counter<'contract' | 'function' | 'outcome'>;
  readonly ledgerErrors: Counter<'contract' | 'kind'>;
  readonly idempotentReplays: Counter;
}

/**
 * Registers the API's metrics and prom-client's default Node process metrics on `registry`. A registry serves
 * one app: registering twice on the same registry throws (prom-client refuses duplicate metric names).
 */
export function apiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    requests: new Counter({
      name: 'keyledger_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'keyledger_http_request_duration_seconds',
      help: 'Time from request to response, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    ledgerCalls: new Counter({
      name: 'keyledger_ledger_calls_total',
      help: 'Ledger transactions the API made on behalf of callers, by contract, function and outcome',
      labelNames: ['contract', 'function', 'outcome'],
      registers,
    }),
    ledgerErrors: new Counter({
      name: 'keyledger_ledger_errors_total',
      help: 'Failed ledger calls, by contract and error kind (NOT_FOUND, FORBIDDEN, CONFLICT, UNAVAILABLE, ...)',
      labelNames: ['contract', 'kind'],
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'keyledger_http_idempotent_replays_total',
      help: 'Responses replayed for a repeated Idempotency-Key',
      registers,
    }),
  };
}
