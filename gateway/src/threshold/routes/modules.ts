import type { threshold } from '@keyledger/chaincode/protocol';
import { defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { moduleDetailSchema, moduleListSchema, moduleParams, modulesQuery } from '../schemas';
import { custodyOf } from './access';

export const TAG_THRESHOLD = 'Threshold custody';

/** How many of a module's trust events its view shows. */
const EVENT_LIMIT = 20;

type ModuleRecord = threshold.SecurityModule & { readonly score: number };

/** A module as the API shows it: what a client needs to judge it, without key or certificate PEMs. */
export function moduleOut(module: ModuleRecord): Record<string, unknown> {
  const { trust } = module;
  return {
    moduleId: module.moduleId,
    shareIndex: module.shareIndex,
    status: module.status,
    score: module.score,
    ...(module.endpoint === undefined ? {} : { endpoint: module.endpoint }),
    ...(trust.lastAttestedAt === undefined ? {} : { lastAttestedAt: trust.lastAttestedAt }),
    ...(module.tlsCertificateDigest === undefined
      ? {}
      : { tlsCertificateDigest: module.tlsCertificateDigest }),
    keyType: module.keyType,
    publicKeyDigest: module.publicKeyDigest,
    ...(module.quarantinedAt === undefined ? {} : { quarantinedAt: module.quarantinedAt }),
    counters: {
      attestations: trust.attestations,
      participationOk: trust.participationOk,
      participationFailed: trust.participationFailed,
      anomalies: trust.anomalies,
      cheaterReports: trust.cheaterReports,
      tamperReports: trust.tamperReports,
    },
  };
}

/** The security modules and their trust, read from the ledger as the caller. */
export function thresholdModuleRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/threshold/modules',
      operationId: 'listThresholdModules',
      summary: 'The security modules with their trust score, status, share index and counters',
      description: 'Read as the caller (ListModules). `minScore` leaves out modules scoring below it.',
      tags: [TAG_THRESHOLD],
      params: noParams,
      query: modulesQuery,
      responses: { 200: { description: 'the modules', schema: moduleListSchema } },
      errors: [403],
      async handler(context) {
        const modules = await custodyOf(context).moduleViews(context.query.minScore ?? 0);
        return ok({ modules: modules.map(moduleOut) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/threshold/modules/:moduleId',
      operationId: 'getThresholdModule',
      summary: 'One security module with its trust score and its recent trust events',
      description: 'Read as the caller (GetModule, ListTrustEvents).',
      tags: [TAG_THRESHOLD],
      params: moduleParams,
      query: noQuery,
      responses: { 200: { description: 'the module', schema: moduleDetailSchema } },
      errors: [403, 404],
      async handler(context) {
        const { moduleId } = context.params;
        const custody = custodyOf(context);
        const module = await custody.moduleView(moduleId);
        if (module === undefined) {
          throw new ProblemError('not-found', `security module ${moduleId} is not registered on the ledger`);
        }
        const page = (await custody.trustEvents(moduleId, EVENT_LIMIT)) as { items?: unknown[] } | undefined;
        return ok({ module: moduleOut(module), events: page?.items ?? [] });
      },
    }),
  ];
}
