import {
  callerOf,
  defineRoute,
  ok,
  ProblemError,
  type AnyRoute,
  type ApiCaller,
  type ApiModuleFactory,
  type RequestServices,
} from '../../http';
import { noParams } from '../../http/schemas';
import type { ApiTokenRecord, ApiTokenStore } from './store';
import {
  createdTokenSchema,
  createTokenBody,
  DEFAULT_TOKEN_TTL_SECONDS,
  tokenListQuery,
  tokenListSchema,
  tokenParams,
  tokenSchema,
} from './schemas';

export const TAG_TOKENS = 'API tokens';

export interface TokenApiDeps {
  readonly store: ApiTokenStore;
  /** The identities this gateway can act as, by name: tokens can be made for these only. */
  readonly identities: ReadonlyMap<string, ApiCaller>;
}

/** The name the caller has among the gateway's identities (tokens are kept by that name). */
function identityOf(identities: ReadonlyMap<string, ApiCaller>, caller: ApiCaller): string {
  for (const [name, known] of identities) {
    if (known.mspId === caller.mspId && known.fingerprint === caller.fingerprint) {
      return name;
    }
  }
  throw new ProblemError('forbidden', `${caller.name} is not an identity of this gateway's token store`);
}

async function isAdmin(services: RequestServices, caller: ApiCaller): Promise<boolean> {
  return (await services.rolesOf(caller)).includes('admin');
}

/** A record as the API shows it: never its digest (a digest is what a guess is checked against). */
function view(store: ApiTokenStore, record: ApiTokenRecord): Record<string, unknown> {
  return {
    id: record.id,
    identity: record.identity,
    label: record.label,
    status: store.statusOf(record),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    createdBy: record.createdBy,
  };
}

function tokenRoutes({ store, identities }: TokenApiDeps): AnyRoute[] {
  /** The record, if the caller may see it: its own, or any for an admin. 404 otherwise (no existence oracle). */
  const visible = async (
    services: RequestServices,
    caller: ApiCaller,
    id: string,
  ): Promise<ApiTokenRecord> => {
    const record = store.get(id);
    if (
      record === undefined ||
      (record.identity !== identityOf(identities, caller) && !(await isAdmin(services, caller)))
    ) {
      throw new ProblemError('not-found', `no API token ${id}`);
    }
    return record;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/tokens',
      operationId: 'createToken',
      summary: 'Creates a bearer token (shown once) for the caller, or for another identity (admin)',
      description:
        'The gateway keeps only the SHA-256 of the token. Not idempotent on purpose: a replayed answer would have to ' +
        'keep the token.',
      tags: [TAG_TOKENS],
      params: noParams,
      query: noParams,
      body: createTokenBody,
      bodyRequired: false,
      responses: {
        201: { description: 'the token', schema: createdTokenSchema, headers: { Location: 'the token' } },
      },
      errors: [404, 502, 503],
      async handler(context) {
        const caller = callerOf(context);
        const own = identityOf(identities, caller);
        const identity = context.body.identity ?? own;
        if (identity !== own && !(await isAdmin(context.services, caller))) {
          throw new ProblemError(
            'forbidden',
            `only an admin can create a token for another identity (${identity})`,
          );
        }
        if (!identities.has(identity)) {
          const known = [...identities.keys()].sort().join(', ');
          throw new ProblemError(
            'not-found',
            `this gateway has no identity named ${identity} (known: ${known})`,
            {
              errors: [{ path: 'body.identity', message: 'is not an identity of this gateway' }],
            },
          );
        }
        const issued = store.issue({
          identity,
          label: context.body.label ?? '',
          ttlMs: (context.body.expiresInSeconds ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000,
          createdBy: own,
        });
        return ok({ ...view(store, issued.record), token: issued.token }, 201, {
          Location: `/v1/tokens/${issued.record.id}`,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tokens',
      operationId: 'listTokens',
      summary: "The caller's tokens; every token for an admin (metadata only)",
      tags: [TAG_TOKENS],
      params: noParams,
      query: tokenListQuery,
      responses: { 200: { description: 'tokens, oldest first', schema: tokenListSchema } },
      errors: [502, 503],
      async handler(context) {
        const caller = callerOf(context);
        const own = identityOf(identities, caller);
        const admin = await isAdmin(context.services, caller);
        const filter = admin ? context.query.identity : own;
        if (!admin && context.query.identity !== undefined && context.query.identity !== own) {
          throw new ProblemError('forbidden', "only an admin can list another identity's tokens");
        }
        return ok({ items: store.list(filter).map((record) => view(store, record)) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tokens/:tokenId',
      operationId: 'getToken',
      summary: 'One token (metadata only)',
      tags: [TAG_TOKENS],
      params: tokenParams,
      query: noParams,
      responses: { 200: { description: 'the token', schema: tokenSchema } },
      errors: [404, 502, 503],
      async handler(context) {
        return ok(view(store, await visible(context.services, callerOf(context), context.params.tokenId)));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/tokens/:tokenId',
      operationId: 'revokeToken',
      summary: 'Revokes a token at once (its own identity, or an admin)',
      tags: [TAG_TOKENS],
      params: tokenParams,
      query: noParams,
      idempotent: true,
      responses: { 200: { description: 'the revoked token', schema: tokenSchema } },
      errors: [404, 502, 503],
      async handler(context) {
        const record = await visible(context.services, callerOf(context), context.params.tokenId);
        return ok(view(store, store.revoke(record.id) ?? record));
      },
    }),
  ];
}

/** Token management as a module of the API. */
export function tokenApi(deps: TokenApiDeps): ApiModuleFactory {
  return () => ({
    name: 'tokens',
    routes: tokenRoutes(deps),
    tags: [
      {
        name: TAG_TOKENS,
        description: 'Bearer tokens: created with an expiry, listed, revoked; kept hashed',
      },
    ],
  });
}
