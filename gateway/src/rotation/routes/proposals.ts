import { z } from 'zod';
import { signPayload } from '../../fabric';
import { callerOf, defineRoute, ok, ProblemError, type AnyRoute, type Reply } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { RotationLedger } from '../ledger';
import {
  approveBody,
  compromiseBody,
  proposalListSchema,
  proposalParams,
  proposalSchema,
  queueParams,
  queueProposalListSchema,
  rejectBody,
  rotateBody,
} from '../schemas';
import type { RotationProposal } from '../types';
import { proposalPayload } from '../verify';
import type { RotationAgents } from './agents';
import { LEDGER_ERRORS, TAG_PROPOSALS } from './tags';
import { DEFAULT_WAIT_MS, WAIT_HEADER, waitForProposal, waitQueryShape, type WaitRequest } from './wait';

function proposalLocation(proposalId: string): string {
  return `/v1/proposals/${encodeURIComponent(proposalId)}`;
}

/**
 * 201 when the rotation committed (at once, or within `?wait=committed`), 202 while it waits for approvals.
 * With a wait, the header says how it ended.
 */
async function proposalReply(
  agents: RotationAgents,
  ledger: RotationLedger,
  proposal: RotationProposal,
  query: WaitRequest,
): Promise<Reply> {
  const headers: Record<string, string> = { Location: proposalLocation(proposal.proposalId) };
  let final = proposal;
  if (query.wait === 'committed') {
    const waited = await waitForProposal(
      ledger,
      agents.frontends.values(),
      proposal,
      query.waitTimeoutMs ?? DEFAULT_WAIT_MS,
    );
    final = waited.proposal;
    headers[WAIT_HEADER] = waited.outcome;
  }
  return ok(final, final.status === 'committed' ? 201 : 202, headers);
}

const waitQuery = z.strictObject(waitQueryShape);
const waitHeaders = {
  Location: 'the proposal',
  [WAIT_HEADER]: 'with ?wait=committed: committed, rejected, expired or timeout',
};

const proposalResponses = (
  what: string,
): Record<
  number,
  { description: string; schema: typeof proposalSchema; headers: Record<string, string> }
> => ({
  201: { description: `${what} committed`, schema: proposalSchema, headers: waitHeaders },
  202: {
    description: `${what} proposed; waiting for approvals`,
    schema: proposalSchema,
    headers: waitHeaders,
  },
});

/** Rotation proposals: rotate now, report a compromise, list, approve and reject. */
export function proposalRoutes(agents: RotationAgents): AnyRoute[] {
  return [
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
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        const pending = await ledger.getPendingRotation(context.params.queueId);
        return ok({ items: pending === null ? [] : [pending] });
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
      query: waitQuery,
      body: rotateBody,
      bodyRequired: false,
      idempotent: true,
      responses: proposalResponses('the rotation'),
      errors: [404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = callerOf(context);
        const { queueId } = context.params;
        const agent = agents.validatorFor(caller, 'rotate a key');
        const ledger = new RotationLedger(context.services.ledger(caller));
        const due = await ledger.isRotationDue(queueId);
        if (due.openProposal && !due.openProposal.expired) {
          throw new ProblemError(
            'conflict',
            `queue ${queueId} already has open rotation proposal ${due.openProposal.proposalId} for version ${due.openProposal.version}; approve or reject it first`,
            { extensions: { proposalId: due.openProposal.proposalId } },
          );
        }
        const wait = due.nextAllowedAt - Date.now();
        // The chaincode lifts the hold for a compromised key or one a removed front-end still holds.
        const exempt = due.reasons.includes('compromise') || due.reasons.includes('recipients');
        if (due.activeVersion > 0 && wait > 0 && !exempt) {
          throw new ProblemError(
            'conflict',
            `queue ${queueId}: version ${due.activeVersion} committed less than minRotationIntervalMs ` +
              `(${due.minRotationIntervalMs} ms) ago; the next rotation is allowed from ${new Date(due.nextAllowedAt).toISOString()}`,
            {
              headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
              extensions: { nextAllowedAt: due.nextAllowedAt },
            },
          );
        }
        const proposal = await agents.throughAgent(agent.name, () => agent.rotateNow(queueId, 'manual'));
        return proposalReply(agents, ledger, proposal, context.query);
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
      query: waitQuery,
      body: compromiseBody,
      bodyRequired: true,
      idempotent: true,
      responses: proposalResponses('the replacement'),
      errors: [404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = callerOf(context);
        const { queueId } = context.params;
        const { version, reason } = context.body;
        const agent = agents.validatorFor(caller, 'report a compromised key');
        const ledger = new RotationLedger(context.services.ledger(caller));
        const due = await ledger.isRotationDue(queueId);
        if (version > due.activeVersion) {
          throw new ProblemError(
            'not-found',
            `queue ${queueId} has no committed key version ${version} (active version ${due.activeVersion})`,
            { errors: [{ path: 'body.version', message: `must be at most ${due.activeVersion}` }] },
          );
        }
        const proposal = await agents.throughAgent(agent.name, () =>
          agent.reportCompromise(queueId, version, reason),
        );
        return proposalReply(agents, ledger, proposal, context.query);
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
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        return ok({ items: await ledger.listPendingRotations() });
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
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.getRotation(context.params.proposalId));
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
      query: waitQuery,
      body: approveBody,
      bodyRequired: false,
      idempotent: true,
      responses: {
        200: {
          description: 'the proposal after the approval',
          schema: proposalSchema,
          headers: { [WAIT_HEADER]: waitHeaders[WAIT_HEADER] },
        },
      },
      errors: [404, 409, ...LEDGER_ERRORS],
      async handler(context) {
        const caller = callerOf(context);
        const { proposalId } = context.params;
        const ledger = new RotationLedger(context.services.ledger(caller));
        let signature = context.body.signature;
        if (signature === undefined) {
          if (!caller.signer) {
            throw new ProblemError(
              'invalid-request',
              `this gateway holds no signing key for ${caller.name}: sign the proposal digest payload and send body.signature`,
              { errors: [{ path: 'body.signature', message: 'is required for this caller' }] },
            );
          }
          const proposal = await ledger.getRotation(proposalId);
          signature = Buffer.from(await signPayload(caller.signer, proposalPayload(proposal))).toString(
            'base64',
          );
        }
        const approved = await ledger.approveRotation(proposalId, signature);
        if (context.query.wait !== 'committed') {
          return ok(approved);
        }
        const waited = await waitForProposal(
          ledger,
          agents.frontends.values(),
          approved,
          context.query.waitTimeoutMs ?? DEFAULT_WAIT_MS,
        );
        return ok(waited.proposal, 200, { [WAIT_HEADER]: waited.outcome });
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
        const ledger = new RotationLedger(context.services.ledger(callerOf(context)));
        return ok(await ledger.rejectRotation(context.params.proposalId, context.body.reason));
      },
    }),
  ];
}
