import { z } from 'zod';
import { callerOf, defineRoute, ok, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { RotationLedger } from '../ledger';
import {
  historyQuery,
  keyPolicyBody,
  keyPolicySchema,
  policyResultSchema,
  queueHistorySchema,
  queueKeySchema,
  queueListSchema,
  queueParams,
} from '../schemas';
import type { RotationAgents } from './agents';
import { LEDGER_ERRORS, TAG_QUEUES } from './tags';
import { DEFAULT_WAIT_MS, WAIT_HEADER, waitForQueueVersion, waitQueryShape } from './wait';

const policyQuery = z.strictObject(waitQueryShape);

/** Queues and their key policies, as the ledger has them. */
export function queueRoutes(agents: RotationAgents): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/queues',
      operationId: 'listQueues',
      summary: 'Every queue with its key policy and active key version',
      tags: [TAG_QUEUES],
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'queues in id order', schema: queueListSchema } },
      errors: [...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        return ok({ items: await ledger.listQueues() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queues/:queueId/policy',
      operationId: 'getKeyPolicy',
      summary: "A queue's key policy",
      tags: [TAG_QUEUES],
      params: queueParams,
      query: noQuery,
      responses: { 200: { description: 'the policy', schema: keyPolicySchema } },
      errors: [404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.getKeyPolicy(context.params.queueId));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/queues/:queueId/policy',
      operationId: 'putKeyPolicy',
      summary: 'Creates a queue or replaces its key policy (admin)',
      description:
        '201 with Location when the queue is new, 200 when an existing policy was replaced. With `?wait=committed` ' +
        "a new queue's answer waits for its first key version: committed by the validators' quorum and loaded by " +
        'every front-end node of this gateway.',
      tags: [TAG_QUEUES],
      params: queueParams,
      query: policyQuery,
      body: keyPolicyBody,
      bodyRequired: true,
      idempotent: true,
      responses: {
        200: {
          description: 'the policy was replaced',
          schema: policyResultSchema,
          headers: { [WAIT_HEADER]: 'with ?wait=committed: committed or timeout' },
        },
        201: {
          description: 'the queue was created',
          schema: policyResultSchema,
          headers: { Location: 'the policy', [WAIT_HEADER]: 'with ?wait=committed: committed or timeout' },
        },
      },
      errors: [409, ...LEDGER_ERRORS],
      async handler(context) {
        const { queueId } = context.params;
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        const result = await ledger.setKeyPolicy({ queueId, ...context.body });
        const headers: Record<string, string> = result.created
          ? { Location: `/v1/queues/${encodeURIComponent(queueId)}/policy` }
          : {};
        if (context.query.wait === 'committed') {
          headers[WAIT_HEADER] = await waitForQueueVersion(
            ledger,
            agents.frontends.values(),
            queueId,
            1,
            context.query.waitTimeoutMs ?? DEFAULT_WAIT_MS,
          );
        }
        return ok(result, result.created ? 201 : 200, headers);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queues/:queueId/key',
      operationId: 'getQueueKey',
      summary: "A queue's active key (metadata only) and whether a rotation is due",
      tags: [TAG_QUEUES],
      params: queueParams,
      query: noQuery,
      responses: { 200: { description: 'key status', schema: queueKeySchema } },
      errors: [404, ...LEDGER_ERRORS],
      async handler(context) {
        const { queueId } = context.params;
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        const due = await ledger.isRotationDue(queueId);
        const active = due.activeVersion > 0 ? ((await ledger.getActiveKey(queueId)) ?? null) : null;
        return ok({ queueId, active, due });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queues/:queueId/history',
      operationId: 'getQueueHistory',
      summary: "A queue's committed key versions and every change of its state",
      tags: [TAG_QUEUES],
      params: queueParams,
      query: historyQuery,
      responses: { 200: { description: 'key history', schema: queueHistorySchema } },
      errors: [404, ...LEDGER_ERRORS],
      async handler(context) {
        const { queueId } = context.params;
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        const [rotations, states] = await Promise.all([
          ledger.getRotationsSince(queueId, context.query.since ?? 0),
          ledger.getKeyHistory(queueId),
        ]);
        return ok({ queueId, rotations, states });
      },
    }),
  ];
}
