import type { Request } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AuthenticatedCaller } from './caller';
import type { RequestServices } from './module';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

export interface ResponseSpec {
  readonly description: string;
  /** A named schema from `schemaRegistry` (JSON), or a text body when `contentType` says so. */
  readonly schema?: z.ZodType;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a handler returns; the framework serialises it (JSON unless `text` is given). */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HandlerContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Undefined only on public routes. */
  readonly caller: AuthenticatedCaller | undefined;
  readonly request: Request;
  readonly services: RequestServices;
  readonly log: Logger;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: HttpMethod;
  /** Express path: `/v1/queues/:queueId/policy`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** No authentication (health, metrics, the OpenAPI document). */
  readonly public?: boolean;
  readonly params: P;
  readonly query: Q;
  readonly body?: B;
  /** Whether a body must be sent; when false, no body means `{}`. */
  readonly bodyRequired?: boolean;
  /** Which request body limit applies: the control-plane one (default) or the larger one for message data. */
  readonly bodyLimit?: 'default' | 'crypto';
  /** Accepts `Idempotency-Key`. */
  readonly idempotent?: boolean;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Error statuses this route can answer besides the ones the framework adds. */
  readonly errors: readonly number[];
  handler(context: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<Reply> | Reply;
}

/** The caller of a route that is not public (the app authenticates before any handler runs). */
export function callerOf(
  context: Pick<HandlerContext<unknown, unknown, unknown>, 'caller'>,
): AuthenticatedCaller {
  if (!context.caller) {
    throw new Error('route needs a caller but is public'); // a bug in the route table
  }
  return context.caller;
}

/** A JSON reply. */
export function ok(body: unknown, status = 200, headers?: Readonly<Record<string, string>>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** A route with its types erased, as the app and the OpenAPI generator see it. */
export interface AnyRoute extends Omit<RouteSpec<z.ZodType, z.ZodType, z.ZodType>, 'handler'> {
  handler(context: HandlerContext<unknown, unknown, unknown>): Promise<Reply> | Reply;
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}
