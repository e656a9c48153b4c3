import type { Request } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AuthenticatedCaller } from './auth';
import type { ApiContext } from './context';

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
  readonly api: ApiContext;
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

/** A route with its types erased, as the app and the OpenAPI generator see it. */
export interface AnyRoute extends Omit<RouteSpec<z.ZodType, z.ZodType, z.ZodType>, 'handler'> {
  handler(context: HandlerContext<unknown, unknown, unknown>): Promise<Reply> | Reply;
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** `/v1/queues/:queueId` → `/v1/queues/{queueId}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** A matcher for an express path with `:name` segments, as express matches it (case-insensitive, optional trailing slash). */
export function pathMatcher(expressPath: string): RegExp {
  const pattern = expressPath
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`, 'i');
}
