import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import {
  ProblemError,
  type AnyRoute,
  type AuthenticatedCaller,
  type FieldError,
  type HandlerContext,
  type Reply,
} from '../http';
import { authenticate } from './auth';
import { ApiContext, type ApiDeps } from './context';
import { IdempotencyStore, validateIdempotencyKey, type StoredResponse } from './idempotency';
import { buildOpenApi } from './openapi';
import { emptyParameters, pathMatcher } from './paths';
import { PROBLEM_CONTENT_TYPE, renderProblem, type RenderedProblem } from './problem';
import { serviceRoutes } from './serviceRoutes';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']);

interface Locals {
  requestId: string;
  route: string;
  caller?: string;
  started: bigint;
}

function locals(res: Response): Locals {
  return res.locals as Locals;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function instanceOf(req: Request): string {
  return truncate((req.originalUrl ?? req.url).split('?')[0] ?? '/', 512);
}

// ---------------------------------------------------------------- validation

type Where = 'path' | 'query' | 'body';

function joinPath(where: Where, path: readonly PropertyKey[]): string {
  let out: string = where;
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  }
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function fieldErrors(where: Where, error: z.ZodError, input: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({
          path: joinPath(where, [...issue.path, key]),
          message: where === 'query' ? 'is not a known query parameter' : 'is not a known field',
        });
      }
    } else if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
      // Whatever the rule (a type, an enum, a literal), a field that is not there is simply missing.
      errors.push({ path: joinPath(where, issue.path), message: 'is required' });
    } else {
      errors.push({ path: joinPath(where, issue.path), message: issue.message });
    }
  }
  return errors;
}

const WHAT: Record<Where, string> = {
  path: 'path parameter',
  query: 'query parameter',
  body: 'request body',
};

/** At most this many field errors are listed: a body with 20,000 unknown fields gets a short answer. */
export const MAX_FIELD_ERRORS = 20;

/** Distinct field errors, capped at {@link MAX_FIELD_ERRORS}, and how many more there were. */
function capErrors(errors: readonly FieldError[]): { listed: FieldError[]; omitted: number } {
  const seen = new Set<string>();
  const distinct: FieldError[] = [];
  for (const error of errors) {
    const key = `${error.path}\u0000${error.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      distinct.push(error);
    }
  }
  return {
    listed: distinct.slice(0, MAX_FIELD_ERRORS),
    omitted: Math.max(0, distinct.length - MAX_FIELD_ERRORS),
  };
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const { listed, omitted } = capErrors(fieldErrors(where, result.error, input));
  const more = omitted > 0 ? `; and ${omitted} more` : '';
  const summary = listed.map((error) => `${truncate(error.path, 100)} ${error.message}`).join('; ');
  throw new ProblemError('invalid-request', truncate(`invalid ${WHAT[where]}: ${summary}${more}`, 1000), {
    errors: listed,
    ...(omitted > 0 ? { extensions: { errorsOmitted: omitted } } : {}),
  });
}

/** What kind of JSON value a body is, for saying what it should have been. */
function jsonKind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Every body of this API is a JSON object; any other JSON value is refused as such, not as malformed JSON. */
function requireObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProblemError(
      'invalid-request',
      `the request body must be a JSON object, not ${jsonKind(value)}`,
      {
        errors: [{ path: 'body', message: 'must be a JSON object' }],
      },
    );
  }
  return value as Record<string, unknown>;
}

// ---------------------------------------------------------------- bodies

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) {
    return true;
  }
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function bodyParser(limit: number): RequestHandler {
  // Not strict: `null` or `"x"` is valid JSON; requireObject then says it must be an object.
  return express.json({ limit, strict: false, type: () => true });
}

async function readJsonBody(req: Request, res: Response, parser: RequestHandler): Promise<unknown> {
  if (!hasBody(req)) {
    return undefined;
  }
  if (!req.is(['application/json', 'application/*+json'])) {
    const given = req.headers['content-type'];
    throw new ProblemError(
      'unsupported-media-type',
      `the request body must be application/json${given ? `, not ${truncate(given.replace(/[^\x20-\x7e]/g, ''), 80)}` : ' (Content-Type is missing)'}`,
      { headers: { 'Accept-Post': 'application/json' } },
    );
  }
  await new Promise<void>((resolve, reject) => {
    parser(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });
  return (req as { body?: unknown }).body;
}

// ---------------------------------------------------------------- responses

function serialise(reply: Reply): StoredResponse {
  const body = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  return {
    status: reply.status,
    headers: reply.headers ?? {},
    contentType: reply.contentType ?? JSON_CONTENT_TYPE,
    body,
  };
}

function problemResponse(rendered: RenderedProblem): StoredResponse {
  return {
    status: rendered.status,
    headers: rendered.headers,
    contentType: `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    body: JSON.stringify(rendered.body),
  };
}

function write(res: Response, response: StoredResponse, extraHeaders: Record<string, string> = {}): void {
  res.status(response.status);
  for (const [name, value] of Object.entries({ ...response.headers, ...extraHeaders })) {
    res.setHeader(name, value);
  }
  if (response.body === '') {
    res.end();
    return;
  }
  res.setHeader('Content-Type', response.contentType);
  res.send(response.body);
}

// ---------------------------------------------------------------- the app

function lifecycle(api: ApiContext): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    Object.assign(res.locals, {
      requestId,
      route: 'unmatched',
      started: process.hrtime.bigint(),
    } satisfies Locals);
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      const state = locals(res);
      const seconds = Number(process.hrtime.bigint() - state.started) / 1e9;
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'OTHER';
      const labels = { method, route: state.route, status: String(res.statusCode) };
      api.metrics.requests.inc(labels);
      api.metrics.duration.observe(labels, seconds);
      const entry = {
        requestId,
        method,
        route: state.route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...(state.caller ? { caller: state.caller } : {}),
      };
      if (res.statusCode >= 500) {
        api.logger.error(entry, 'request failed');
      } else {
        api.logger.info(entry, 'request');
      }
    });
    next();
  };
}

function handlerFor(route: AnyRoute, api: ApiContext): RequestHandler {
  const parser = route.body
    ? bodyParser(route.bodyLimit === 'crypto' ? api.cryptoBodyLimit : api.bodyLimit)
    : undefined;
  return async (req, res) => {
    const state = locals(res);
    state.route = route.path;
    const log = api.logger.child({ requestId: state.requestId });
    let caller: AuthenticatedCaller | undefined;
    if (!route.public) {
      caller = await authenticate(req, api.identities);
      state.caller = caller.name;
    }
    const params = parseInput(route.params, { ...req.params }, 'path');
    const query = parseInput(route.query, { ...(req.query as Record<string, unknown>) }, 'query');
    let body: unknown;
    if (route.body && parser) {
      const raw = await readJsonBody(req, res, parser);
      if (raw === undefined && route.bodyRequired) {
        throw new ProblemError('invalid-request', 'a JSON request body is required', {
          errors: [{ path: 'body', message: 'is required' }],
        });
      }
      body = parseInput(route.body, raw === undefined ? {} : requireObject(raw), 'body');
    }
    const context: HandlerContext<unknown, unknown, unknown> = {
      params,
      query,
      body,
      caller,
      request: req,
      services: api,
      log,
    };
    const key = route.idempotent ? validateIdempotencyKey(req.headers['idempotency-key']) : undefined;
    if (key === undefined || caller === undefined) {
      write(res, serialise(await route.handler(context)));
      return;
    }
    const scope = `${caller.mspId}/${caller.fingerprint} ${route.method} ${req.path}`;
    const reservation = api.idempotency.reserve(
      scope,
      key,
      IdempotencyStore.requestHash([JSON.stringify(query), JSON.stringify(body ?? null)]),
    );
    if (reservation.kind === 'replay') {
      api.metrics.idempotentReplays.inc();
      write(res, reservation.response, { 'Idempotent-Replayed': 'true' });
      return;
    }
    let response: StoredResponse;
    try {
      response = serialise(await route.handler(context));
    } catch (error) {
      const rendered = renderProblem(error, instanceOf(req), state.requestId);
      if (rendered.unexpected) {
        log.error({ err: error, route: route.path }, 'unexpected error');
      }
      response = problemResponse(rendered);
    }
    reservation.complete(response);
    write(res, response);
  };
}

function fallback(table: readonly AnyRoute[]): RequestHandler {
  const matchers = table.map((route) => ({ route, pattern: pathMatcher(route.path) }));
  return (req, res) => {
    let matching = matchers.filter(({ pattern }) => pattern.test(req.path));
    let empty: string[] = [];
    if (matching.length === 0) {
      // `/v1/queues//policy` is the policy route asked without a queue id, not a resource that does not exist.
      matching = matchers.filter(({ route }) => {
        const names = emptyParameters(route.path, req.path);
        empty = names ?? empty;
        return names !== undefined;
      });
    }
    if (matching.length === 0) {
      throw new ProblemError(
        'not-found',
        `no resource at ${truncate(req.path, 200)}; the API is described at /v1/openapi.json`,
      );
    }
    const methods = new Set(matching.map(({ route }) => route.method.toUpperCase()));
    if (methods.has('GET')) {
      methods.add('HEAD');
    }
    methods.add('OPTIONS');
    const allow = [...methods].sort().join(', ');
    locals(res).route = matching[0]?.route.path ?? 'unmatched';
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      res.status(204).end();
      return;
    }
    if (empty.length > 0 && methods.has(req.method)) {
      throw new ProblemError(
        'invalid-request',
        `invalid path parameter: ${empty.join(', ')} must not be empty`,
        {
          errors: empty.map((name) => ({ path: `path.${name}`, message: 'must not be empty' })),
        },
      );
    }
    throw new ProblemError(
      'method-not-allowed',
      `${req.method} is not allowed on ${truncate(req.path, 200)}; allowed: ${allow}`,
      {
        headers: { Allow: allow },
      },
    );
  };
}

function errorHandler(api: ApiContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = locals(res).requestId ?? randomUUID();
    const rendered = renderProblem(error, instanceOf(req), requestId);
    if (rendered.unexpected) {
      api.logger.error({ err: error, requestId, route: locals(res).route }, 'unexpected error');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    write(res, problemResponse(rendered));
  };
}

/** The API context of an app made by {@link createApp}: its route table, metrics and services. */
export function apiContextOf(app: express.Express): ApiContext {
  return app.locals.api as ApiContext;
}

/**
 * The KeyLedger REST API as an express app: the API's own routes (health, metrics, OpenAPI) and every module's
 * routes under authentication, validated inputs, problem+json errors, 404/405 for unknown routes and methods,
 * metrics and one log line per request.
 */
export function createApp(deps: ApiDeps): express.Express {
  const api = new ApiContext(deps);
  const table: AnyRoute[] = [...serviceRoutes(api), ...api.modules.flatMap((module) => module.routes)];
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.locals.api = api;
  api.mount(
    table,
    buildOpenApi(table, {
      version: api.version,
      servers: api.servers,
      tags: api.modules.flatMap((module) => module.tags ?? []),
    }),
  );
  app.use(lifecycle(api));
  for (const route of table) {
    app[route.method](route.path, handlerFor(route, api));
  }
  app.use(fallback(table));
  app.use(errorHandler(api));
  return app;
}
