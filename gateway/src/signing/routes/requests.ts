import { createHash } from 'node:crypto';
import type { Request } from 'express';
import {
  callerOf,
  defineRoute,
  ok,
  ProblemError,
  type AnyRoute,
  type ApiCaller,
  type RequestServices,
} from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { JobNotFoundError, type Job, type JobRequest, type JsonValue } from '../queue';
import type { SigningRequestPayload, SigningService } from '../service';
import {
  batchOperationsSchema,
  operationSchema,
  requestParams,
  signingBatchBody,
  signingRequestBody,
  statusQuery,
} from '../schemas';

export const TAG_SIGNING_REQUESTS = 'Signing requests';

/** Who may have tokens signed: the service's own members (role signer) and admins, as the ledger says. */
const REQUESTER_ROLES = ['signer', 'admin'] as const;
/** Who may read any request's status, not only their own. */
const READ_ANY_ROLES = ['admin', 'auditor'] as const;

interface RequestFields {
  readonly claims: Record<string, JsonValue>;
  readonly audience?: string | readonly string[] | undefined;
  readonly lifetimeSeconds: number;
}

/** The job as a long-running operation (AIP-151): the result only once done, the error only once failed. */
export function operationOf(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    state: job.state,
    done: job.done,
    ...(job.error === undefined ? {} : { error: job.error }),
    ...(job.result === undefined ? {} : { result: job.result }),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

function locationOf(id: string): string {
  return `/v1/signing/requests/${encodeURIComponent(id)}`;
}

async function requireRequester(services: RequestServices, caller: ApiCaller): Promise<void> {
  const roles = await services.rolesOf(caller);
  if (!REQUESTER_ROLES.some((role) => roles.includes(role))) {
    throw new ProblemError(
      'forbidden',
      `signing requests need the role signer or admin on the ledger; ${caller.name} has ${roles.join(', ') || 'none'}`,
    );
  }
}

/**
 * The caller's Idempotency-Key as the queue keeps it: scoped by the caller's identity, so two callers' keys
 * never meet, and hashed to a fixed length. The app has validated the header already.
 */
function scopedKey(request: Request, caller: ApiCaller, route: string): string | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') {
    return undefined;
  }
  return createHash('sha256')
    .update(JSON.stringify([caller.mspId, caller.fingerprint, route, key]))
    .digest('hex');
}

function payloadOf(fields: RequestFields, caller: ApiCaller): JsonValue {
  const payload: SigningRequestPayload = {
    claims: fields.claims,
    ...(fields.audience === undefined ? {} : { audience: fields.audience }),
    lifetimeSeconds: fields.lifetimeSeconds,
    requestedBy: { mspId: caller.mspId, fingerprint: caller.fingerprint },
  };
  return payload as unknown as JsonValue;
}

/** Whether the caller asked for this job (the payload says who did). */
function askedBy(payload: JsonValue, caller: ApiCaller): boolean {
  const by = (payload as unknown as SigningRequestPayload).requestedBy;
  return by !== undefined && by.mspId === caller.mspId && by.fingerprint === caller.fingerprint;
}

/**
 * Waits for the job to finish, at most `timeoutMs`; stops waiting when the client's connection closes (the
 * socket, not the request: a request's own 'close' fires as soon as its body has been read).
 */
async function waitForJob(
  service: SigningService,
  jobId: string,
  timeoutMs: number,
  request: Request,
): Promise<Job> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  request.socket.once('close', abort);
  try {
    return await service.queue.waitFor(jobId, { timeoutMs, signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) return service.queue.get(jobId);
    throw error;
  } finally {
    request.socket.off('close', abort);
  }
}

/**
 * Submit claims to sign (one, or a batch of up to 100) and read their status. A submission is stored in the
 * durable queue before the 202 answers, so an accepted request completes even across a crash of the service.
 */
export function signingRequestRoutes(service: SigningService): AnyRoute[] {
  const idempotency =
    'With an Idempotency-Key, a retry (even after a restart of the service) answers the request first accepted: ' +
    'the same id and, once signed, the same token. The same key with another body is a 422.';
  return [
    defineRoute({
      method: 'post',
      path: '/v1/signing/requests',
      operationId: 'submitSigningRequest',
      summary: 'Queues claims to be signed into a JWT; 202 with the request id and its status URL',
      description: `Needs the role signer or admin. ${idempotency} Poll the Location (optionally with waitMs).`,
      tags: [TAG_SIGNING_REQUESTS],
      params: noParams,
      query: noQuery,
      body: signingRequestBody,
      bodyRequired: true,
      idempotent: true,
      responses: {
        202: {
          description: 'accepted: stored in the queue',
          schema: operationSchema,
          headers: { Location: 'the status URL of the request' },
        },
      },
      errors: [403, 409, 422, 503],
      async handler(context) {
        const caller = callerOf(context);
        await requireRequester(context.services, caller);
        const key = scopedKey(context.request, caller, 'request');
        const { job } = service.queue.submit(
          { payload: payloadOf(context.body, caller) },
          key === undefined ? {} : { idempotencyKey: key },
        );
        return ok(operationOf(job), 202, { Location: locationOf(job.id) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/signing/requests/batch',
      operationId: 'submitSigningBatch',
      summary: 'Queues up to 100 claim sets in one call: all are accepted, or none',
      description: `Needs the role signer or admin. ${idempotency} Each request has its own id and status URL.`,
      tags: [TAG_SIGNING_REQUESTS],
      params: noParams,
      query: noQuery,
      body: signingBatchBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      idempotent: true,
      responses: { 202: { description: 'accepted: stored in the queue', schema: batchOperationsSchema } },
      errors: [403, 409, 413, 422, 503],
      async handler(context) {
        const caller = callerOf(context);
        await requireRequester(context.services, caller);
        const key = scopedKey(context.request, caller, 'batch');
        const requests: JobRequest[] = context.body.requests.map((fields) => ({
          payload: payloadOf(fields, caller),
        }));
        const { jobs, replayed } = service.queue.submitBatch(
          requests,
          key === undefined ? {} : { idempotencyKey: key },
        );
        return ok({ requests: jobs.map(operationOf), replayed }, 202);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/signing/requests/:requestId',
      operationId: 'getSigningRequest',
      summary: 'A signing request’s status: queued, signing, done (with the token) or failed (with why)',
      description:
        'The requester’s own requests; admins and auditors see any. With waitMs, answers as soon as the request ' +
        'is done, or as it is when the wait ends.',
      tags: [TAG_SIGNING_REQUESTS],
      params: requestParams,
      query: statusQuery,
      responses: { 200: { description: 'the request', schema: operationSchema } },
      errors: [404, 503],
      async handler(context) {
        const caller = callerOf(context);
        const { requestId } = context.params;
        const unknown = (): ProblemError => new ProblemError('not-found', `no signing request ${requestId}`);
        let payload: JsonValue;
        try {
          payload = service.queue.payloadOf(requestId);
        } catch (error) {
          if (error instanceof JobNotFoundError) throw unknown();
          throw error;
        }
        if (!askedBy(payload, caller)) {
          const roles = await context.services.rolesOf(caller);
          // Someone else's request is as unknown as a missing one: ids are not to be probed.
          if (!READ_ANY_ROLES.some((role) => roles.includes(role))) throw unknown();
        }
        const { waitMs } = context.query;
        const job =
          waitMs === undefined || waitMs === 0
            ? service.queue.get(requestId)
            : await waitForJob(service, requestId, waitMs, context.request);
        return ok(operationOf(job));
      },
    }),
  ];
}
