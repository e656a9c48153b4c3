import { defineRoute, ok, ProblemError, type AnyRoute } from '../http';
import { noParams, noQuery } from '../http/schemas';
import type { ApiContext } from './context';
import { runHealthChecks } from './health';
import { healthSchema, openApiDocumentSchema } from './schemas';

export const TAG_SERVICE = 'Service';

/** The API's own routes: health, metrics and this OpenAPI document. */
export function serviceRoutes(api: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Liveness and dependency health',
      description:
        'Checks ledger reachability, HSM tokens and each capability’s services. 200 when every check passes or is only degraded (status says which), otherwise 503 with a problem document listing the checks.',
      tags: [TAG_SERVICE],
      public: true,
      params: noParams,
      query: noQuery,
      responses: {
        200: { description: 'every dependency is usable (perhaps degraded)', schema: healthSchema },
      },
      errors: [503],
      async handler() {
        const report = await runHealthChecks(api.health, api.healthTimeoutMs);
        if (report.status === 'fail') {
          const failing = Object.entries(report.checks)
            .filter(([, check]) => check.status === 'fail')
            .map(([name, check]) => `${name}: ${check.detail ?? 'failed'}`);
          throw new ProblemError('unavailable', `unhealthy: ${failing.join('; ')}`, {
            extensions: { checks: report.checks },
          });
        }
        return ok(report);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description:
        'Text exposition format 0.0.4: requests and latency by route and status, ledger calls and errors, and each capability’s own counters.',
      tags: [TAG_SERVICE],
      public: true,
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'metrics', contentType: 'text/plain; version=0.0.4' } },
      errors: [],
      async handler() {
        return { status: 200, text: await api.registry.metrics(), contentType: api.registry.contentType };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'getOpenApi',
      summary: 'This OpenAPI 3.1 document',
      tags: [TAG_SERVICE],
      public: true,
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'the OpenAPI document', schema: openApiDocumentSchema } },
      errors: [],
      handler({ services }) {
        return ok(services.openApi());
      },
    }),
  ];
}
