import { defineRoute, ok, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import {
  deriveBody,
  deriveResultSchema,
  escrowBody,
  escrowResultSchema,
  keyParams,
  unwrapBody,
  unwrapResultSchema,
} from '../schemas';
import type { BreakGlassOutcome } from '../service/thresholdService';
import { custodyOf, requireRole, SESSION_ROLES } from './access';
import type { ThresholdRouteDeps } from './keys';
import { TAG_THRESHOLD } from './modules';

function sessionFields(outcome: BreakGlassOutcome): Record<string, unknown> {
  return {
    sessionId: outcome.sessionId,
    coordinator: outcome.coordinator,
    used: outcome.used,
    cheaters: outcome.cheaters,
  };
}

/**
 * Escrow to a key's group public key, and the two operations that need the group secret itself (opening an
 * escrow, deriving a per-epoch key), each in a reconstruction session the ledger opened for exactly it.
 */
export function thresholdBreakGlassRoutes(deps: ThresholdRouteDeps): AnyRoute[] {
  const { service } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys/:keyId/escrow',
      operationId: 'escrowToThresholdKey',
      summary: 'Seals a secret to a key’s group public key; only a reconstruction session can open it',
      description:
        'Any member may: it reads the key’s commitments as the caller and needs no module. The gateway keeps ' +
        'nothing; keep the answer, and the context, to unwrap it later.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      body: escrowBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the escrow', schema: escrowResultSchema } },
      errors: [403, 404, 413],
      async handler(context) {
        const { keyId } = context.params;
        const { secret, context: aad } = context.body;
        const bytes = Buffer.from(secret, 'base64');
        try {
          return ok(await service.escrow(custodyOf(context), keyId, bytes, aad));
        } finally {
          bytes.fill(0);
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys/:keyId/unwrap',
      operationId: 'unwrapThresholdEscrow',
      summary: 'Opens an escrow in a reconstruction session: the secret is rebuilt for this call only',
      description:
        'Needs the role orchestrator or admin (OpenSession). The session’s digest binds this escrow and ' +
        'context: the modules release their shares for nothing else.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      body: unwrapBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the secret', schema: unwrapResultSchema } },
      errors: [403, 404, 409, 413, 503],
      async handler(context) {
        await requireRole(context, SESSION_ROLES, 'unwrapping an escrow');
        const { keyId } = context.params;
        const outcome = await service.unwrap(
          custodyOf(context),
          keyId,
          context.body.escrow,
          context.body.context,
        );
        try {
          return ok({ secret: outcome.result.toString('base64'), ...sessionFields(outcome) });
        } finally {
          outcome.result.fill(0);
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys/:keyId/derive',
      operationId: 'deriveThresholdEpochKey',
      summary: 'Derives a per-epoch symmetric key (HKDF of the group secret) in a reconstruction session',
      description:
        'Needs the role orchestrator or admin (OpenSession). The same purpose and epoch give the same key.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      body: deriveBody,
      bodyRequired: true,
      responses: { 200: { description: 'the key', schema: deriveResultSchema } },
      errors: [403, 404, 409, 503],
      async handler(context) {
        await requireRole(context, SESSION_ROLES, 'deriving an epoch key');
        const { keyId } = context.params;
        const outcome = await service.deriveKey(
          custodyOf(context),
          keyId,
          context.body.purpose,
          context.body.epoch,
        );
        try {
          return ok({ key: outcome.result.toString('base64'), ...sessionFields(outcome) });
        } finally {
          outcome.result.fill(0);
        }
      },
    }),
  ];
}
