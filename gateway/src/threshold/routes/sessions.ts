import { defineRoute, ok, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import { sessionParams, sessionSchema } from '../schemas';
import { custodyOf } from './access';
import { TAG_THRESHOLD } from './modules';

/** A signing or reconstruction session as the ledger recorded it. */
export function thresholdSessionRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/threshold/sessions/:sessionId',
      operationId: 'getThresholdSession',
      summary: 'A session: eligible modules, coordinator, outcome, cheaters, late modules and expiry',
      description: 'Read as the caller (GetSession). An unknown session is a 404.',
      tags: [TAG_THRESHOLD],
      params: sessionParams,
      query: noQuery,
      responses: { 200: { description: 'the session', schema: sessionSchema } },
      errors: [403, 404],
      async handler(context) {
        return ok(await custodyOf(context).session(context.params.sessionId));
      },
    }),
  ];
}
