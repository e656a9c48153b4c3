import type { Express } from 'express';
import type { z } from 'zod';
import { apiContextOf, buildOpenApi, createApp, staticIdentityResolver } from '../../src/api';
import { openApiPath, pathMatcher } from '../../src/api/paths';
import { governanceApi } from '../../src/governance';
import type { AnyRoute } from '../../src/http';
import { problemSchema } from '../../src/http/schemas';
import { rotationApi } from '../../src/rotation';
import { POLICY, startHarness, type Harness, type Person, type Reply } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

function expressRoutes(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route?.methods ?? {})
        .filter((method) => method !== '_all')
        .map((method) => `${method.toUpperCase()} ${openApiPath(layer.route?.path ?? '')}`),
    )
    .sort();
}

function documentedRoutes(doc: Json): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item) => collectRefs(item, out));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') {
        out.push(item);
      } else {
        collectRefs(item, out);
      }
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  const app = createApp({
    identities: staticIdentityResolver([]),
    modules: [governanceApi(), rotationApi()],
  });
  const routes = apiContextOf(app).routes;
  const doc = apiContextOf(app).openApi() as Json;

  it('is OpenAPI 3.1 with info, security schemes for bearer tokens and mTLS', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'KeyLedger API', version: expect.any(String) });
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      mutualTLS: expect.objectContaining({ type: 'mutualTLS' }),
    });
  });

  it('lists exactly the routes express serves, and express serves exactly the documented ones', () => {
    const served = expressRoutes(app);
    expect(served.length).toBeGreaterThanOrEqual(19);
    expect(documentedRoutes(doc)).toEqual(served);
  });

  it('contains every route the issue asks for', () => {
    expect(documentedRoutes(doc)).toEqual(
      [
        'GET /health',
        'GET /metrics',
        'GET /v1/openapi.json',
        'GET /v1/whoami',
        'GET /v1/queues',
        'GET /v1/queues/{queueId}/policy',
        'PUT /v1/queues/{queueId}/policy',
        'GET /v1/queues/{queueId}/key',
        'GET /v1/queues/{queueId}/history',
        'GET /v1/queues/{queueId}/proposals',
        'POST /v1/queues/{queueId}/rotate',
        'POST /v1/queues/{queueId}/compromise',
        'POST /v1/queues/{queueId}/encrypt',
        'POST /v1/queues/{queueId}/decrypt',
        'GET /v1/queues/{queueId}/frontends/{name}/versions',
        'GET /v1/proposals',
        'GET /v1/proposals/{proposalId}',
        'POST /v1/proposals/{proposalId}/approve',
        'POST /v1/proposals/{proposalId}/reject',
      ].sort(),
    );
  });

  it('declares every path parameter of every template, and only those', () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      for (const operation of Object.values(item)) {
        const declared = (operation.parameters as Json[])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name)
          .sort();
        expect({ path, declared }).toEqual({ path, declared: inTemplate });
      }
    }
  });

  it('has unique operation ids, resolvable $refs, and problem+json for every error response', () => {
    const ids = Object.values(doc.paths as Record<string, Record<string, Json>>).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of collectRefs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)]).toBeDefined();
    }
    for (const item of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
          if (Number(status) >= 400) {
            expect(Object.keys(response.content)).toEqual(['application/problem+json']);
          }
        }
        expect(operation.responses['500']).toBeDefined();
      }
    }
  });

  it('documents request bodies as strict objects and the Idempotency-Key header on retryable writes', () => {
    const put = doc.paths['/v1/queues/{queueId}/policy'].put;
    expect(put.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/KeyPolicyInput' } } },
    });
    expect(doc.components.schemas.KeyPolicyInput).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['rotationIntervalMs', 'maxMessages', 'algorithm'],
    });
    expect(put.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    expect(put.security).toEqual([{ bearerAuth: [] }, { mutualTLS: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    const since = (doc.paths['/v1/queues/{queueId}/history'].get.parameters as Json[]).find(
      (parameter) => parameter.name === 'since',
    );
    expect(since).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', pattern: expect.any(String) },
    });
  });

  it('is rebuilt identically from the same table', () => {
    const tags = apiContextOf(app).modules.flatMap((module) => module.tags ?? []);
    expect(buildOpenApi(routes, { version: '0.1.0', servers: [], tags })).toEqual(doc);
  });
});

describe('responses match the document', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h.close();
  });

  function routeOf(method: string, path: string): AnyRoute {
    const bare = path.split('?')[0] as string;
    const found = h.routes.find(
      (route) => route.method === method.toLowerCase() && pathMatcher(route.path).test(bare),
    );
    if (!found) {
      throw new Error(`no route for ${method} ${path}`);
    }
    return found;
  }

  const seen = new Set<string>();

  async function call(method: string, path: string, as?: Person, body?: unknown): Promise<Reply> {
    const reply = await h.request(method, path, { as, body });
    const route = routeOf(method, path);
    seen.add(`${route.method} ${route.path}`);
    const documented = (await docOnce()).paths[openApiPath(route.path)][route.method].responses as Json;
    expect({
      path,
      status: reply.status,
      documented: documented[String(reply.status)] !== undefined,
    }).toEqual({
      path,
      status: reply.status,
      documented: true,
    });
    const schema: z.ZodType | undefined =
      reply.status >= 400 ? problemSchema : route.responses[reply.status]?.schema;
    if (schema) {
      const parsed = schema.safeParse(reply.json);
      expect({ path, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ path, issues: [] });
    }
    return reply;
  }

  let cached: Json | undefined;
  async function docOnce(): Promise<Json> {
    cached ??= (await h.request('GET', '/v1/openapi.json')).json as Json;
    return cached;
  }

  it('a walk through every route answers with documented statuses and bodies', async () => {
    await call('GET', '/health');
    await call('GET', '/metrics');
    await call('GET', '/v1/openapi.json');
    await call('GET', '/v1/whoami', 'admin');
    await call('PUT', '/v1/queues/q1/policy', 'admin', POLICY);
    await call('PUT', '/v1/queues/q1/policy', 'admin', POLICY);
    await call('GET', '/v1/queues', 'auditor');
    await call('GET', '/v1/queues/q1/policy', 'auditor');
    await call('GET', '/v1/queues/q1/key', 'auditor');
    const rotated = await call('POST', '/v1/queues/q1/rotate', 'val1', {});
    await call('GET', '/v1/proposals', 'auditor');
    await call('GET', '/v1/queues/q1/proposals', 'auditor');
    await call('GET', `/v1/proposals/${rotated.json.proposalId}`, 'auditor');
    await call('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, 'val2', {});
    await call('GET', '/v1/queues/q1/key', 'auditor');
    const second = await call('POST', '/v1/queues/q1/rotate', 'val2');
    await call('POST', `/v1/proposals/${second.json.proposalId}/reject`, 'val1', { reason: 'no' });
    await call('POST', `/v1/proposals/${second.json.proposalId}/reject`, 'val3', { reason: 'no' });
    const sealed = await call('POST', '/v1/queues/q1/encrypt', 'fe1', { plaintext: 'aGk=' });
    await call('POST', '/v1/queues/q1/decrypt', 'fe2', { envelope: sealed.json.envelope });
    await call('GET', '/v1/queues/q1/frontends/fe1/versions', 'fe1');
    await call('GET', '/v1/queues/q1/history', 'auditor');
    await call('POST', '/v1/queues/q1/compromise', 'val1', { version: 1, reason: 'leak' });
    // errors
    await call('GET', '/v1/queues/none/key', 'auditor');
    await call('GET', '/v1/queues', undefined);
    await call('PUT', '/v1/queues/q1/policy', 'auditor', POLICY);
    await call('PUT', '/v1/queues/q1/policy', 'admin', { nope: 1 });
    await call('POST', '/v1/queues/q1/rotate', 'val1');
    await call('POST', '/v1/queues/q1/decrypt', 'fe1', { envelope: 'aGk=' });
    expect([...seen].sort()).toEqual(h.routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('an unknown query parameter is a documented 400 on every route, even one without parameters', async () => {
    for (const route of h.routes) {
      const path = `${route.path.replace(/:[A-Za-z]+/g, 'q1')}?unknown=1`;
      const reply = await call(route.method.toUpperCase(), path, 'admin', route.body ? {} : undefined);
      expect({ path, status: reply.status, errors: reply.json.errors }).toEqual({
        path,
        status: 400,
        errors: [{ path: 'query.unknown', message: 'is not a known query parameter' }],
      });
    }
  });
});
