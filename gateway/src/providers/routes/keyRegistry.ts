import { callerOf, defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { ProvidersLedger } from '../ledger';
import type { KeyReplicator } from '../registry/replicate';
import {
  createKeyBody,
  disableKeyBody,
  grantBody,
  grantParams,
  keyChangeSchema,
  keyListSchema,
  keyParams,
  providerKeySchema,
  replicationSchema,
} from '../registry/schemas';

export const TAG_KEYS = 'Customer master keys';
const LEDGER_ERRORS = [502, 503] as const;

/**
 * The CMK registry: keys and who may use them, as the ledger records them (KMS-like grants), and key creation
 * replicated to the providers. Every write is signed as the caller, so the chaincode's admin check applies.
 */
export function keyRegistryRoutes(replicator: KeyReplicator): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/keys',
      operationId: 'listKeys',
      summary: 'Every customer master key with its status and grants',
      tags: [TAG_KEYS],
      params: noParams,
      query: noQuery,
      responses: { 200: { description: 'keys in id order', schema: keyListSchema } },
      errors: [...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.listKeys());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys',
      operationId: 'createKey',
      summary: 'Creates a customer master key and replicates it to providers (admin)',
      description:
        'Registers the key on chain as the caller, has the origin provider generate it in its HSM token, wraps it ' +
        "there to each replica's published P-256 key and unwraps it in each replica's token: the key never exists " +
        'in plaintext outside an HSM. Answers once every replica lists the key in its on-chain profile. Idempotent: ' +
        'repeating the request finishes an interrupted replication and changes nothing otherwise.',
      tags: [TAG_KEYS],
      params: noParams,
      query: noQuery,
      body: createKeyBody,
      bodyRequired: true,
      idempotent: true,
      responses: {
        201: {
          description: 'the key and where it is held',
          schema: replicationSchema,
          headers: { Location: 'the key' },
        },
      },
      errors: [403, 404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = context.services.ledger(callerOf(context));
        const report = await replicator.createReplicatedKey(caller, context.body);
        return ok(report, 201, { Location: `/v1/keys/${encodeURIComponent(context.body.keyId)}` });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/keys/:keyId',
      operationId: 'getKey',
      summary: 'A customer master key: status and grants (never key material)',
      tags: [TAG_KEYS],
      params: keyParams,
      query: noQuery,
      responses: { 200: { description: 'the key', schema: providerKeySchema } },
      errors: [404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        const key = await ledger.getKey(context.params.keyId);
        if (!key) {
          throw new ProblemError('not-found', `no key ${context.params.keyId} is registered`);
        }
        return ok(key);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/keys/:keyId/grants/:mspId/:fingerprint',
      operationId: 'grantKeyUse',
      summary: 'Grants an identity the use of a key for some operations (admin)',
      description:
        "Replaces the identity's grant on this key; the same grant again changes nothing (changed: false).",
      tags: [TAG_KEYS],
      params: grantParams,
      query: noQuery,
      body: grantBody,
      bodyRequired: true,
      responses: { 200: { description: 'the grant as stored', schema: keyChangeSchema } },
      errors: [403, 404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.grantKeyUse({ ...context.params, ...context.body }));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/keys/:keyId/grants/:mspId/:fingerprint',
      operationId: 'revokeKeyGrant',
      summary: "Removes an identity's grant on a key (admin)",
      tags: [TAG_KEYS],
      params: grantParams,
      query: noQuery,
      responses: { 200: { description: 'the grant removed', schema: keyChangeSchema } },
      errors: [403, 404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.revokeKeyGrant(context.params));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/disable',
      operationId: 'disableKey',
      summary: 'Disables a key: no provider operation is authorised with it until it is enabled (admin)',
      tags: [TAG_KEYS],
      params: keyParams,
      query: noQuery,
      body: disableKeyBody,
      bodyRequired: true,
      responses: { 200: { description: 'the key', schema: keyChangeSchema } },
      errors: [403, 404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.disableKey(context.params.keyId, context.body.reason));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/enable',
      operationId: 'enableKey',
      summary: 'Enables a disabled key (admin)',
      tags: [TAG_KEYS],
      params: keyParams,
      query: noQuery,
      responses: { 200: { description: 'the key', schema: keyChangeSchema } },
      errors: [403, 404, ...LEDGER_ERRORS],
      async handler(context) {
        const ledger = new ProvidersLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.enableKey(context.params.keyId));
      },
    }),
  ];
}
