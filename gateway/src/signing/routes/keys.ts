import { z } from 'zod';
import { callerOf, defineRoute, ok, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import type { CaValidator } from '../ca';
import { SigningLedger } from '../ledger';
import { jwksSchema, signingKeysSchema, verdictSchema, verifyBody } from '../schemas';
import { TokenVerifier, type SigningService } from '../service';
import { signing } from '@keyledger/chaincode/protocol';

export const TAG_SIGNING_KEYS = 'Signing keys';

/** How long a relying party may cache the JWKS: well inside the shortest grace a retired key keeps. */
const JWKS_MAX_AGE_SECONDS = 30;

const keysQuery = z.strictObject({
  status: z.enum(signing.SIGNING_KEY_STATUSES).optional().describe('only keys with this status'),
});

export interface SigningKeyRouteDeps {
  readonly service: SigningService;
  readonly validator: CaValidator;
}

/** The service's keys as the ledger has them, the public JWKS, and verification of a token. */
export function signingKeyRoutes(deps: SigningKeyRouteDeps): AnyRoute[] {
  const { service, validator } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/signing/keys',
      operationId: 'listSigningKeys',
      summary:
        'Signing keys on the ledger (ListSigningKeys as the caller) and the one this service signs with',
      tags: [TAG_SIGNING_KEYS],
      params: noParams,
      query: keysQuery,
      responses: { 200: { description: 'the keys', schema: signingKeysSchema } },
      errors: [403],
      async handler(context) {
        const keys = await new SigningLedger(callerOf(context).ledger).list(context.query.status);
        const active = service.keys.peek();
        return ok({ keys, ...(active === undefined ? {} : { activeKid: active.kid }) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      operationId: 'getJwks',
      summary: 'The JWK Set relying parties verify tokens with, built from the ledger (GetJwks)',
      description:
        'Active keys, published keys about to sign (so a cache knows them before their first token) and retired ' +
        `keys within their grace; revoked keys never. Public; cacheable for ${JWKS_MAX_AGE_SECONDS} s.`,
      tags: [TAG_SIGNING_KEYS],
      public: true,
      params: noParams,
      query: noQuery,
      responses: {
        200: {
          description: 'the JWK Set',
          schema: jwksSchema,
          headers: { 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}` },
        },
      },
      errors: [502, 503],
      async handler() {
        const { keys } = await service.jwks();
        return ok({ keys }, 200, { 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}` });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/signing/verify',
      operationId: 'verifySigningToken',
      summary:
        'Verifies a token: signature, expiry, its key on the ledger, the key’s certificate and its CRL',
      description:
        'The key is read from the ledger as the caller (a revoked key’s tokens from before its compromise stay ' +
        'valid); the certificate path is validated against the CAs in order, failing over. 200 either way: ' +
        '`valid` and, when false, `reason` and `detail` say why.',
      tags: [TAG_SIGNING_KEYS],
      params: noParams,
      query: noQuery,
      body: verifyBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the verdict', schema: verdictSchema } },
      errors: [403],
      async handler(context) {
        const verifier = new TokenVerifier({
          ledger: new SigningLedger(callerOf(context).ledger),
          validator,
          issuer: service.keys.serviceId,
          certificatesOf: (kid) => service.certificatesOf(kid),
        });
        const { token, revocation } = context.body;
        return ok(await verifier.verify(token, { revocation }));
      },
    }),
  ];
}
