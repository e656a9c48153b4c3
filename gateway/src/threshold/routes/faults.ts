import { defineRoute, ok, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import { moduleFaultsBody, moduleFaultsSchema, moduleParams } from '../schemas';
import type { ThresholdService } from '../service/thresholdService';
import { requireRole } from './access';
import { TAG_THRESHOLD } from './modules';

/**
 * The fault switch of a module started with --allow-fault-injection, through the gateway (the module only takes
 * it from an orchestrator's certificate): what the demonstration and the tests use to make a module cheat.
 */
export function thresholdFaultRoutes(deps: { readonly service: ThresholdService }): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/threshold/modules/:moduleId/faults',
      operationId: 'setThresholdModuleFaults',
      summary: 'Makes a module cheat (bad shares, late answers) — demonstrations and tests only',
      description:
        'Needs the role admin. Forwarded to the module over mutual TLS; a module started without ' +
        '--allow-fault-injection answers 403.',
      tags: [TAG_THRESHOLD],
      params: moduleParams,
      query: noQuery,
      body: moduleFaultsBody,
      bodyRequired: true,
      responses: { 200: { description: 'what the module now does wrong', schema: moduleFaultsSchema } },
      errors: [403, 404, 503],
      async handler(context) {
        await requireRole(context, ['admin'], 'setting a module’s faults');
        const set = await deps.service.setModuleFaults(context.params.moduleId, context.body.misbehave);
        return ok({ moduleId: context.params.moduleId, misbehave: set });
      },
    }),
  ];
}
