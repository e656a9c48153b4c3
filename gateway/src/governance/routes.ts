import { callerOf, defineRoute, ok, type AnyRoute } from '../http';
import { noParams, noQuery } from '../http/schemas';
import { GovernanceLedger } from './ledger';
import { whoAmISchema } from './schemas';

export const TAG_GOVERNANCE = 'Governance';

/** The caller as the ledger sees it. */
export function governanceRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/whoami',
      operationId: 'whoAmI',
      summary: 'The authenticated caller, its ledger roles and the agents acting as it',
      tags: [TAG_GOVERNANCE],
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'the caller', schema: whoAmISchema } },
      errors: [502, 503],
      async handler(context) {
        const caller = callerOf(context);
        const view = await new GovernanceLedger(context.services.ledger(caller)).whoAmI();
        return ok({
          name: caller.name,
          mspId: caller.mspId,
          fingerprint: caller.fingerprint,
          authenticatedBy: caller.authenticatedBy,
          roles: view.roles,
          member: view.member,
          ...context.services.describeCaller(caller),
        });
      },
    }),
  ];
}
