import { LedgerError } from '../fabric/errors';
import { signPayload } from '../rotation/ledger';
import type { RotationProposal } from '../rotation/types';
import { proposalPayload } from '../rotation/verify';
import type { AuthenticatedCaller } from './auth';
import { runHealthChecks } from './health';
import { ProblemError } from './problem';
import { defineRoute, type AnyRoute, type HandlerContext, type Reply } from './route';
import {
  approveBody,
  compromiseBody,
  decryptBody,
  decryptResultSchema,
  encryptBody,
  encryptResultSchema,
  frontendQuery,
  frontendVersionsParams,
  frontendVersionsSchema,
  healthSchema,
  historyQuery,
  keyPolicyBody,
  keyPolicySchema,
  noQuery,
  openApiDocumentSchema,
  policyResultSchema,
  proposalListSchema,
  proposalParams,
  proposalSchema,
  queueHistorySchema,
  queueKeySchema,
  queueListSchema,
  queueParams,
  queueProposalListSchema,
  rejectBody,
  rotateBody,
  whoAmISchema,
} from './schemas';
import { z } from 'zod';
import type { rotation } from '@keyledger/chaincode/protocol';

const noParams = z.strictObject({});

function callerOf(context: HandlerContext<unknown, unknown, unknown>): AuthenticatedCaller {
  if (!context.caller) {
    throw new Error('route needs a caller but is public'); // a bug in the route table
  }
  return context.caller;
}

function ok(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

function proposalLocation(proposalId: string): string {
  return `/v1/proposals/${encodeURIComponent(proposalId)}`;
}

/** 201 when the rotation committed at once (quorum reached), 202 while it waits for approvals. */
function proposalReply(proposal: RotationProposal): Reply {
  return ok(proposal, proposal.status === 'committed' ? 201 : 202, {
    Location: proposalLocation(proposal.proposalId),
  });
}

/** Errors of the validator agent: ledger errors count as ledger errors (the agent talks to the ledger). */
async function throughAgent<T>(
  context: HandlerContext<unknown, unknown, unknown>,
  fn: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LedgerError) {
      context.api.countLedgerError('KeyRotation(agent)', fn, error);
    }
    throw error;
  }
}

const LEDGER_ERRORS = [502, 503] as const;

const TAG_QUEUES = 'Queues and key policies';
const TAG_PROPOSALS = 'Rotation proposals';
const TAG_CRYPTO = 'Encryption';
const TAG_SERVICE = 'Service';

/**
 * Every route of the API. The express app and the OpenAPI document are both built from this table; the
 * handlers call the ledger as the caller, so the chaincode's role checks decide who may do what.
 */
export const routes: readonly AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Liveness and dependency health',
    description:
      'Checks ledger reachability and HSM tokens. 200 when every check passes, otherwise 503 with a problem document listing the checks.',
    tags: [TAG_SERVICE],
    public: true,
    params: noParams,
    query: noQuery,
    responses: { 200: { description: 'every dependency is usable', schema: healthSchema } },
    errors: [503],
    async handler({ api }) {
      const report = await runHealthChecks(api.health, api.healthTimeoutMs);
      if (report.status !== 'ok') {
        const failing = Object.entries(report.checks)
          .filter(([, check]) => check.status !== 'ok')
          .map(([name, check]) => `${name}: ${check.detail ?? 'failed'}`);
        throw new ProblemError('unavailable', `unhealthy: ${failing.join('; ')}`, {
          extensions: { status: 503, checks: report.checks },
        });
      }
      return ok(report);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'Text exposition format 0.0.4: requests and latency by route and status, ledger calls and errors, encrypt/decrypt counts.',
    tags: [TAG_SERVICE],
    public: true,
    params: noParams,
    query: noQuery,
    responses: { 200: { description: 'metrics', contentType: 'text/plain; version=0.0.4' } },
    errors: [],
    async handler({ api }) {
      return { status: 200, text: await api.registry.metrics(), contentType: api.registry.contentType };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document',
    tags: [TAG_SERVICE],
    public: true,
    params: noParams,
    query: noQuery,
    responses: { 200: { description: 'the OpenAPI document', schema: openApiDocumentSchema } },
    errors: [],
    handler({ request }) {
      return ok((request.app.locals as { openApi: unknown }).openApi);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/whoami',
    operationId: 'whoAmI',
    summary: 'The authenticated caller, its ledger roles and the agents acting as it',
    tags: [TAG_SERVICE],
    params: noParams,
    query: noQuery,
    responses: { 200: { description: 'the caller', schema: whoAmISchema } },
    errors: [...LEDGER_ERRORS],
    async handler(context) {
      const caller = callerOf(context);
      const view = await context.api
        .ledger(caller)
        .governance.evaluate<{ roles?: string[]; member?: unknown }>('WhoAmI');
      return ok({
        name: caller.name,
        mspId: caller.mspId,
        fingerprint: caller.fingerprint,
        authenticatedBy: caller.authenticatedBy,
        roles: view?.roles ?? [],
        member: view?.member ?? null,
        validatorAgent: context.api.validatorNameOf(caller),
        frontendNode: context.api.frontendNameOf(caller),
      });
    },
  }),
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
      const items = await context.api.ledger(callerOf(context)).rotation.evaluate<unknown[]>('ListQueues');
      return ok({ items: items ?? [] });
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
      return ok(
        await context.api.ledger(callerOf(context)).rotation.evaluate('GetKeyPolicy', context.params.queueId),
      );
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/queues/:queueId/policy',
    operationId: 'putKeyPolicy',
    summary: 'Creates a queue or replaces its key policy (admin)',
    description: '201 with Location when the queue is new, 200 when an existing policy was replaced.',
    tags: [TAG_QUEUES],
    params: queueParams,
    query: noQuery,
    body: keyPolicyBody,
    bodyRequired: true,
    idempotent: true,
    responses: {
      200: { description: 'the policy was replaced', schema: policyResultSchema },
      201: {
        description: 'the queue was created',
        schema: policyResultSchema,
        headers: { Location: 'the policy' },
      },
    },
    errors: [409, ...LEDGER_ERRORS],
    async handler(context) {
      const { queueId } = context.params;
      const result = await context.api
        .ledger(callerOf(context))
        .rotation.submit<{ policy: unknown; created: boolean }>(
          'SetKeyPolicy',
          JSON.stringify({ queueId, ...context.body }),
        );
      return result.created
        ? ok(result, 201, { Location: `/v1/queues/${encodeURIComponent(queueId)}/policy` })
        : ok(result);
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
      const ledger = context.api.ledger(callerOf(context)).rotation;
      const due = await ledger.evaluate<rotation.RotationDue>('IsRotationDue', queueId);
      const active = due.activeVersion > 0 ? await ledger.evaluate('GetActiveKey', queueId) : null;
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
      const ledger = context.api.ledger(callerOf(context)).rotation;
      const rotations = await ledger.evaluate<unknown[]>(
        'GetRotationsSince',
        queueId,
        String(context.query.since ?? 0),
      );
      const history = await ledger.evaluate<{ entries?: unknown[] }>('GetKeyHistory', queueId);
      return ok({ queueId, rotations: rotations ?? [], states: history?.entries ?? [] });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/queues/:queueId/proposals',
    operationId: 'listQueueProposals',
    summary: "A queue's pending rotation proposal (with wrapped keys), as a list of zero or one",
    tags: [TAG_PROPOSALS],
    params: queueParams,
    query: noQuery,
    responses: { 200: { description: 'pending proposals', schema: queueProposalListSchema } },
    errors: [404, ...LEDGER_ERRORS],
    async handler(context) {
      const pending = await context.api
        .ledger(callerOf(context))
        .rotation.evaluate<unknown>('GetPendingRotation', context.params.queueId);
      return ok({ items: pending === null || pending === undefined ? [] : [pending] });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/queues/:queueId/rotate',
    operationId: 'rotateNow',
    summary: 'Rotates the queue key now (validator)',
    description:
      "The caller's own validator agent generates the key in its HSM, wraps it for every front-end and proposes it. " +
      '201 when the rotation committed at once, 202 while it waits for approvals; Location names the proposal.',
    tags: [TAG_PROPOSALS],
    params: queueParams,
    query: noQuery,
    body: rotateBody,
    bodyRequired: false,
    idempotent: true,
    responses: {
      201: { description: 'committed', schema: proposalSchema, headers: { Location: 'the proposal' } },
      202: {
        description: 'proposed; waiting for approvals',
        schema: proposalSchema,
        headers: { Location: 'the proposal' },
      },
    },
    errors: [404, 409, ...LEDGER_ERRORS],
    async handler(context) {
      const caller = callerOf(context);
      const { queueId } = context.params;
      const agent = context.api.validatorFor(caller, 'rotate a key');
      const due = await context.api
        .ledger(caller)
        .rotation.evaluate<rotation.RotationDue>('IsRotationDue', queueId);
      if (due.openProposal && !due.openProposal.expired) {
        throw new ProblemError(
          'conflict',
          `queue ${queueId} already has open rotation proposal ${due.openProposal.proposalId} for version ${due.openProposal.version}; approve or reject it first`,
          { extensions: { proposalId: due.openProposal.proposalId } },
        );
      }
      return proposalReply(
        await throughAgent(context, 'rotateNow', () => agent.rotateNow(queueId, 'manual')),
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/queues/:queueId/compromise',
    operationId: 'reportCompromise',
    summary: 'Reports a key version compromised and proposes a replacement (validator)',
    description:
      "Runs through the caller's own validator agent: the version is marked compromised on the ledger (front-ends stop " +
      'encrypting with it) and a replacement key is proposed. 201/202 as for rotate.',
    tags: [TAG_PROPOSALS],
    params: queueParams,
    query: noQuery,
    body: compromiseBody,
    bodyRequired: true,
    idempotent: true,
    responses: {
      201: {
        description: 'replacement committed',
        schema: proposalSchema,
        headers: { Location: 'the proposal' },
      },
      202: {
        description: 'replacement proposed',
        schema: proposalSchema,
        headers: { Location: 'the proposal' },
      },
    },
    errors: [404, 409, ...LEDGER_ERRORS],
    async handler(context) {
      const caller = callerOf(context);
      const { queueId } = context.params;
      const { version, reason } = context.body;
      const agent = context.api.validatorFor(caller, 'report a compromised key');
      const due = await context.api
        .ledger(caller)
        .rotation.evaluate<rotation.RotationDue>('IsRotationDue', queueId);
      if (version > due.activeVersion) {
        throw new ProblemError(
          'not-found',
          `queue ${queueId} has no committed key version ${version} (active version ${due.activeVersion})`,
          { errors: [{ path: 'body.version', message: `must be at most ${due.activeVersion}` }] },
        );
      }
      return proposalReply(
        await throughAgent(context, 'reportCompromise', () =>
          agent.reportCompromise(queueId, version, reason),
        ),
      );
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/proposals',
    operationId: 'listProposals',
    summary: 'Every pending rotation proposal (summaries), in queue order',
    tags: [TAG_PROPOSALS],
    params: noParams,
    query: noQuery,
    responses: { 200: { description: 'pending proposals', schema: proposalListSchema } },
    errors: [...LEDGER_ERRORS],
    async handler(context) {
      const items = await context.api
        .ledger(callerOf(context))
        .rotation.evaluate<unknown[]>('ListPendingRotations');
      return ok({ items: items ?? [] });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/proposals/:proposalId',
    operationId: 'getProposal',
    summary: 'A rotation proposal in any state',
    tags: [TAG_PROPOSALS],
    params: proposalParams,
    query: noQuery,
    responses: { 200: { description: 'the proposal', schema: proposalSchema } },
    errors: [404, ...LEDGER_ERRORS],
    async handler(context) {
      return ok(
        await context.api
          .ledger(callerOf(context))
          .rotation.evaluate('GetRotation', context.params.proposalId),
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/proposals/:proposalId/approve',
    operationId: 'approveProposal',
    summary: 'Approves a rotation proposal as the caller (validator)',
    description:
      'At quorum this approval commits the rotation (status committed). Without `signature` the gateway signs the ' +
      "proposal's digest payload with the caller's Fabric identity key (front-ends count only signed approvals); " +
      'a caller for whom the gateway holds no key must sign it and send the signature. The chaincode verifies it.',
    tags: [TAG_PROPOSALS],
    params: proposalParams,
    query: noQuery,
    body: approveBody,
    bodyRequired: false,
    idempotent: true,
    responses: { 200: { description: 'the proposal after the approval', schema: proposalSchema } },
    errors: [404, 409, ...LEDGER_ERRORS],
    async handler(context) {
      const caller = callerOf(context);
      const { proposalId } = context.params;
      const ledger = context.api.ledger(caller).rotation;
      let signature = context.body.signature;
      if (signature === undefined) {
        if (!caller.signer) {
          throw new ProblemError(
            'invalid-request',
            `this gateway holds no signing key for ${caller.name}: sign the proposal digest payload and send body.signature`,
            { errors: [{ path: 'body.signature', message: 'is required for this caller' }] },
          );
        }
        const proposal = await ledger.evaluate<RotationProposal>('GetRotation', proposalId);
        signature = Buffer.from(await signPayload(caller.signer, proposalPayload(proposal))).toString(
          'base64',
        );
      }
      return ok(await ledger.submit('ApproveRotation', proposalId, signature));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/proposals/:proposalId/reject',
    operationId: 'rejectProposal',
    summary: 'Votes against a rotation proposal as the caller (validator)',
    tags: [TAG_PROPOSALS],
    params: proposalParams,
    query: noQuery,
    body: rejectBody,
    bodyRequired: true,
    idempotent: true,
    responses: { 200: { description: 'the proposal after the rejection', schema: proposalSchema } },
    errors: [404, 409, ...LEDGER_ERRORS],
    async handler(context) {
      return ok(
        await context.api
          .ledger(callerOf(context))
          .rotation.submit('RejectRotation', context.params.proposalId, context.body.reason),
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/queues/:queueId/encrypt',
    operationId: 'encrypt',
    summary: "Seals a message with the queue's current key through a front-end node",
    description:
      "Needs the ledger role 'frontend'. Uses ?frontend=<name>, or the caller's own front-end node.",
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
      const { name, node } = context.api.frontendFor(caller, context.query.frontend);
      await context.api.requireCryptoRole(caller, 'encrypt');
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
        context.api.metrics.cryptoOperations.inc({ operation: 'encrypt', frontend: name, outcome: 'ok' });
        context.api.metrics.cryptoBytes.inc({ operation: 'encrypt' }, size);
        return ok({
          queueId,
          version: sealed.version,
          frontend: name,
          envelope: Buffer.from(sealed.envelope).toString('base64'),
        });
      } catch (error) {
        context.api.metrics.cryptoOperations.inc({ operation: 'encrypt', frontend: name, outcome: 'error' });
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
    summary: 'Opens an envelope through a front-end node',
    description:
      "Needs the ledger role 'frontend'. 422 when the envelope's key version is unknown, past retention, or it does not authenticate.",
    tags: [TAG_CRYPTO],
    params: queueParams,
    query: frontendQuery,
    body: decryptBody,
    bodyRequired: true,
    bodyLimit: 'crypto',
    responses: { 200: { description: 'the plaintext', schema: decryptResultSchema } },
    errors: [404, 422, ...LEDGER_ERRORS],
    async handler(context) {
      const caller = callerOf(context);
      const { queueId } = context.params;
      const { name, node } = context.api.frontendFor(caller, context.query.frontend);
      await context.api.requireCryptoRole(caller, 'decrypt');
      if (node.keyVersions(queueId).length === 0) {
        throw new ProblemError(
          'not-found',
          `front-end node ${name} holds no key for queue ${queueId}: the queue is unknown or has no committed key yet`,
        );
      }
      const envelope = Buffer.from(context.body.envelope, 'base64');
      let plaintext: Uint8Array;
      try {
        plaintext = await node.decrypt(queueId, envelope);
      } catch (error) {
        context.api.metrics.cryptoOperations.inc({ operation: 'decrypt', frontend: name, outcome: 'error' });
        throw error;
      }
      const bytes = Buffer.from(plaintext);
      try {
        context.api.metrics.cryptoOperations.inc({ operation: 'decrypt', frontend: name, outcome: 'ok' });
        context.api.metrics.cryptoBytes.inc({ operation: 'decrypt' }, bytes.length);
        return ok({ queueId, frontend: name, plaintext: bytes.toString('base64') });
      } finally {
        bytes.fill(0);
        plaintext.fill(0);
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
      const node = context.api.frontends.get(name);
      if (!node) {
        throw new ProblemError('not-found', `no front-end node named ${name} on this gateway`);
      }
      return ok({ queueId, frontend: name, versions: node.keyVersions(queueId) });
    },
  }),
];
