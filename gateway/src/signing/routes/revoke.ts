import { callerOf, defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import { SigningLedger } from '../ledger';
import { kidParams, revocationSchema, revokeBody } from '../schemas';
import type { SigningService } from '../service';
import { TAG_SIGNING_KEYS } from './keys';

/**
 * Revokes a signing key on the ledger as the caller (the contract lets signers and admins), then tells the
 * service, which rotates at once when the key was its active one and has the key's certificates revoked at
 * its CAs. The service also learns of revocations made elsewhere from the ledger's events; telling it here
 * only means the answer already names the new key.
 */
export function signingRevokeRoutes(service: SigningService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/signing/keys/:kid/revoke',
      operationId: 'revokeSigningKey',
      summary:
        'Revokes a signing key (RFC 5280 reason, optional compromise time); the service rotates at once',
      description:
        'RevokeSigningKey as the caller: the role signer or admin. Tokens signed before compromisedAt stay valid; ' +
        'later ones are rejected by verification (keyCompromise without a time rejects them all). Requests in ' +
        'the queue continue with the new key. Revocation is final: a second one is a 409.',
      tags: [TAG_SIGNING_KEYS],
      params: kidParams,
      query: noQuery,
      body: revokeBody,
      bodyRequired: true,
      responses: {
        200: { description: 'revoked; the rotation it caused, if any', schema: revocationSchema },
      },
      errors: [403, 404, 409],
      async handler(context) {
        const { kid } = context.params;
        const { reason, compromisedAt } = context.body;
        const ledger = new SigningLedger(callerOf(context).ledger);
        if ((await ledger.get(kid)) === undefined) {
          throw new ProblemError('not-found', `no signing key ${kid} is registered on the ledger`);
        }
        const revoked = await ledger.revoke({
          kid,
          reason,
          ...(compromisedAt === undefined ? {} : { compromisedAt }),
        });
        const rotation = await service.keyRevoked(revoked);
        return ok({ revoked, ...(rotation === undefined ? {} : { rotation }) });
      },
    }),
  ];
}
