import { defineRoute, ok, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import { keyParams, signBody, signResultSchema } from '../schemas';
import { custodyOf, requireRole, SESSION_ROLES } from './access';
import { compactJws, jwsSigningInput } from './jws';
import type { ThresholdRouteDeps } from './keys';
import { TAG_THRESHOLD } from './modules';

/** Threshold signing: raw bytes, or a JWS over a JSON payload. */
export function thresholdSigningRoutes(deps: ThresholdRouteDeps): AnyRoute[] {
  const { service } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys/:keyId/sign',
      operationId: 'signWithThresholdKey',
      summary: 'Signs with a threshold key: t modules in a ledger session, checked against the group key',
      description:
        'Needs the role orchestrator or admin (OpenSession). Give `message` (base64, at most 64 KiB) or `jws` ' +
        '(a JSON payload of at most 8 KiB, signed as a compact JWS with alg EdDSA and kid the key id), exactly ' +
        'one. 503 when fewer than t honest modules answered.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      body: signBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the signature', schema: signResultSchema } },
      errors: [403, 404, 409, 413, 503],
      async handler(context) {
        await requireRole(context, SESSION_ROLES, 'threshold signing');
        const { keyId } = context.params;
        const { message, jws } = context.body;
        const signingInput =
          jws === undefined
            ? undefined
            : jwsSigningInput({ keyId, payload: jws.payload, typ: jws.header?.typ });
        const bytes =
          signingInput === undefined
            ? Buffer.from(message ?? '', 'base64')
            : Buffer.from(signingInput, 'ascii');
        const outcome = await service.sign(custodyOf(context), {
          keyId,
          message: bytes,
          purpose: jws === undefined ? 'sign' : 'jws',
        });
        return ok({
          signature: outcome.signature.toString('base64url'),
          ...(signingInput === undefined ? {} : { jws: compactJws(signingInput, outcome.signature) }),
          groupPublicKey: outcome.groupPublicKey,
          sessionId: outcome.sessionId,
          coordinator: outcome.coordinator,
          epoch: outcome.epoch,
          signers: outcome.signers,
          cheaters: outcome.cheaters,
          late: outcome.late,
          expiredSessions: outcome.expiredSessions,
        });
      },
    }),
  ];
}
