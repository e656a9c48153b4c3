import { callerOf, defineRoute, ok, ProblemError, type AnyRoute } from '../../http';
import { noQuery } from '../../http/schemas';
import {
  decryptBody,
  decryptResultSchema,
  encryptBody,
  encryptResultSchema,
  frontendQuery,
  frontendVersionsParams,
  frontendVersionsSchema,
  queueParams,
} from '../schemas';
import type { RotationAgents } from './agents';
import { LEDGER_ERRORS, TAG_CRYPTO } from './tags';

/** Response header set when a message was opened with a key version marked compromised. */
export const KEY_STATUS_HEADER = 'KeyLedger-Key-Status';

/** Encrypt and decrypt through the caller's own front-end node. */
export function cryptoRoutes(agents: RotationAgents): AnyRoute[] {
  const { metrics } = agents;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/queues/:queueId/encrypt',
      operationId: 'encrypt',
      summary: "Seals a message with the queue's current key through the caller's front-end node",
      description:
        "Needs the ledger role 'frontend' and a front-end node of this gateway acting as the caller (`?frontend=` may " +
        "name it; it must be the caller's own).",
      tags: [TAG_CRYPTO],
      params: queueParams,
      query: frontendQuery,
      body: encryptBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      idempotent: true,
      responses: { 200: { description: 'the sealed envelope', schema: encryptResultSchema } },
      errors: [404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = callerOf(context);
        const { queueId } = context.params;
        const { name, node } = agents.frontendFor(caller, context.query.frontend, 'encrypt');
        await agents.requireCryptoRole(context.services, caller, 'encrypt');
        const versions = node.keyVersions(queueId);
        if (versions.length === 0) {
          throw new ProblemError(
            'not-found',
            `front-end node ${name} holds no key for queue ${queueId}: the queue is unknown or has no committed key yet`,
          );
        }
        if (!versions.some((version) => version.current && !version.compromised)) {
          throw new ProblemError(
            'conflict',
            `front-end node ${name} has no usable key version for queue ${queueId} (every version it holds is compromised); a rotation is needed`,
          );
        }
        const plaintext = Buffer.from(context.body.plaintext, 'base64');
        const size = plaintext.length;
        try {
          const sealed = await node.encrypt(queueId, plaintext);
          metrics.cryptoOperations.inc({ operation: 'encrypt', frontend: name, outcome: 'ok' });
          metrics.cryptoBytes.inc({ operation: 'encrypt' }, size);
          return ok({
            queueId,
            version: sealed.version,
            frontend: name,
            envelope: Buffer.from(sealed.envelope).toString('base64'),
          });
        } catch (error) {
          metrics.cryptoOperations.inc({ operation: 'encrypt', frontend: name, outcome: 'error' });
          throw error;
        } finally {
          plaintext.fill(0);
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/queues/:queueId/decrypt',
      operationId: 'decrypt',
      summary: "Opens an envelope through the caller's front-end node",
      description:
        "Needs the ledger role 'frontend'. 422 when the envelope's key version is unknown, past retention, or it does " +
        'not authenticate. A message opened with a key version marked compromised says so: `keyCompromised: true` and ' +
        `the header \`${KEY_STATUS_HEADER}: compromised\`.`,
      tags: [TAG_CRYPTO],
      params: queueParams,
      query: frontendQuery,
      body: decryptBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: {
        200: {
          description: 'the plaintext',
          schema: decryptResultSchema,
          headers: { [KEY_STATUS_HEADER]: "'compromised' when the key version is marked compromised" },
        },
      },
      errors: [404, 422, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = callerOf(context);
        const { queueId } = context.params;
        const { name, node } = agents.frontendFor(caller, context.query.frontend, 'decrypt');
        await agents.requireCryptoRole(context.services, caller, 'decrypt');
        if (node.keyVersions(queueId).length === 0) {
          throw new ProblemError(
            'not-found',
            `front-end node ${name} holds no key for queue ${queueId}: the queue is unknown or has no committed key yet`,
          );
        }
        const envelope = Buffer.from(context.body.envelope, 'base64');
        let opened;
        try {
          opened = await node.decrypt(queueId, envelope);
        } catch (error) {
          metrics.cryptoOperations.inc({ operation: 'decrypt', frontend: name, outcome: 'error' });
          throw error;
        }
        const bytes = Buffer.from(opened.plaintext);
        try {
          metrics.cryptoOperations.inc({ operation: 'decrypt', frontend: name, outcome: 'ok' });
          metrics.cryptoBytes.inc({ operation: 'decrypt' }, bytes.length);
          const body = {
            queueId,
            frontend: name,
            version: opened.version,
            keyCompromised: opened.compromised,
            plaintext: bytes.toString('base64'),
          };
          if (opened.compromised) {
            metrics.compromisedDecrypts.inc({ frontend: name });
            return ok(body, 200, { [KEY_STATUS_HEADER]: 'compromised' });
          }
          return ok(body);
        } finally {
          bytes.fill(0);
          opened.plaintext.fill(0);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queues/:queueId/frontends/:name/versions',
      operationId: 'listFrontendKeyVersions',
      summary: 'The key versions a front-end node holds for a queue (metadata, never key bytes)',
      tags: [TAG_CRYPTO],
      params: frontendVersionsParams,
      query: noQuery,
      responses: { 200: { description: 'versions, as the node holds them', schema: frontendVersionsSchema } },
      errors: [404],
      handler(context) {
        callerOf(context);
        const { queueId, name } = context.params;
        const node = agents.frontends.get(name);
        if (!node) {
          throw new ProblemError('not-found', `no front-end node named ${name} on this gateway`);
        }
        return ok({ queueId, frontend: name, versions: node.keyVersions(queueId) });
      },
    }),
  ];
}
