import { z } from 'zod';
import { PROBLEM_STATUS } from '../errors';
import type { AnyRoute, ApiTag } from '../http';
import { problemSchema, schemaRegistry } from '../http/schemas';
import { openApiPath } from './paths';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TITLES, PROBLEM_TYPE_NAMES, problemTypeUri } from './problem';

type Json = Record<string, unknown>;

const COMPONENT_REF = (id: string): string => `#/components/schemas/${id}`;

function strip(schema: Json): Json {
  const rest = { ...schema };
  delete rest.$schema;
  delete rest.$id;
  return rest;
}

function refTo(schema: z.ZodType): Json {
  const id = schemaRegistry.get(schema)?.id;
  if (!id) {
    throw new Error('OpenAPI: request and response bodies must be named schemas (schemaRegistry)');
  }
  return { $ref: COMPONENT_REF(id) };
}

function inlineSchema(schema: z.ZodType): Json {
  return strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json);
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape ?? {};
}

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  for (const [name, field] of Object.entries(objectShape(route.params))) {
    const schema = inlineSchema(field);
    const { description, ...rest } = schema;
    out.push({ name, in: 'path', required: true, ...(description ? { description } : {}), schema: rest });
  }
  for (const [name, field] of Object.entries(objectShape(route.query))) {
    const schema = inlineSchema(field);
    const { description, ...rest } = schema;
    out.push({
      name,
      in: 'query',
      required: !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    });
  }
  if (route.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'A retry with the same key and the same request gets the first response again (header Idempotent-Replayed: true); ' +
        'the same key with a different request is a 422.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
    });
  }
  return out;
}

/** Error statuses the framework itself can answer for a route, plus the route's own. */
export function errorStatuses(route: AnyRoute): number[] {
  // Every route validates its path and query strictly: even one that declares no parameter answers an unknown
  // query parameter (`/metrics?x`) with a 400.
  const statuses = new Set<number>([...route.errors, 400]);
  if (!route.public) {
    statuses.add(401);
    statuses.add(403);
  }
  if (route.body) {
    statuses.add(413);
    statuses.add(415);
  }
  if (route.idempotent) {
    statuses.add(409);
    statuses.add(422);
  }
  statuses.add(405);
  // Node's HTTP parser answers these for any request before a route runs (server.ts).
  statuses.add(414);
  statuses.add(431);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input: malformed JSON, a schema violation (errors[] names each field), or a bad path/query parameter',
  401: 'No or invalid credentials (WWW-Authenticate: Bearer)',
  403: 'The caller lacks the role (checked by the chaincode or locally)',
  404: 'Unknown queue, proposal, key version or front-end node',
  405: 'Method not allowed on this path (Allow lists the methods)',
  409: 'Conflicts with the ledger state, or the Idempotency-Key is in use by a running request',
  413: 'Request body too large',
  414: 'Request URI too long',
  415: 'Request body is not application/json',
  422: 'Idempotency-Key reused with a different request, or an envelope that cannot be decrypted',
  500: 'A bug: report it with the requestId',
  502: 'The ledger failed the request',
  503: 'The ledger, an HSM or another dependency is unavailable',
  504: 'The transaction was submitted but whether it committed is unknown: look it up before retrying',
};

function problemResponse(status: number): Json {
  return {
    description: STATUS_TEXT[status] ?? 'Error',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: refTo(problemSchema) } },
  };
}

function operation(route: AnyRoute): Json {
  const responses: Json = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const headers: Json = { 'X-Request-Id': { schema: { type: 'string' }, description: 'the request id' } };
    for (const [name, description] of Object.entries(spec.headers ?? {})) {
      headers[name] = { schema: { type: 'string' }, description };
    }
    responses[status] = {
      description: spec.description,
      headers,
      ...(spec.schema
        ? { content: { 'application/json': { schema: refTo(spec.schema) } } }
        : spec.contentType
          ? { content: { [spec.contentType]: { schema: { type: 'string' } } } }
          : {}),
    };
  }
  for (const status of errorStatuses(route)) {
    if (responses[status] === undefined) {
      responses[status] = problemResponse(status);
    }
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    security: route.public ? [] : [{ bearerAuth: [] }, { mutualTLS: [] }],
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            required: route.bodyRequired ?? true,
            content: { 'application/json': { schema: refTo(route.body) } },
          },
        }
      : {}),
    responses,
  };
}

function problemTypesDescription(): string {
  const rows = PROBLEM_TYPE_NAMES.map(
    (name) => `| \`${problemTypeUri(name)}\` | ${PROBLEM_STATUS[name]} | ${PROBLEM_TITLES[name]} |`,
  );
  return [
    'KeyLedger REST API: key policies, rotation proposals and votes, rotate-now and compromise reports through',
    "the caller's validator agent, and message encryption through front-end nodes. Ledger calls run as the",
    "authenticated caller's own Fabric identity, so the chaincode's role checks apply.",
    '',
    'Every error is `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail`, `instance`,',
    '`requestId` and, for invalid input, `errors: [{path, message}]`. Problem types:',
    '',
    '| type | status | title |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The OpenAPI 3.1 document of a route table, with every named schema as a component. */
export function buildOpenApi(
  table: readonly AnyRoute[],
  api: { readonly version: string; readonly servers: readonly string[]; readonly tags?: readonly ApiTag[] },
): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of table) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    if (item[route.method]) {
      throw new Error(`OpenAPI: ${route.method.toUpperCase()} ${path} is defined twice`);
    }
    item[route.method] = operation(route);
  }
  const generated = z.toJSONSchema(schemaRegistry, {
    uri: COMPONENT_REF,
    io: 'output',
    unrepresentable: 'any',
  }) as {
    schemas: Record<string, Json>;
  };
  const schemas: Record<string, Json> = {};
  for (const id of Object.keys(generated.schemas).sort()) {
    schemas[id] = strip(generated.schemas[id] as Json);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'KeyLedger API',
      version: api.version,
      description: problemTypesDescription(),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    ...(api.servers.length > 0 ? { servers: api.servers.map((url) => ({ url })) } : {}),
    tags: [...new Set(table.flatMap((route) => route.tags))].map((name) => {
      const description = api.tags?.find((tag) => tag.name === name)?.description;
      return description === undefined ? { name } : { name, description };
    }),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token the gateway maps to a ledger identity',
        },
        mutualTLS: {
          type: 'mutualTLS',
          description:
            'A TLS client certificate whose SHA-256 fingerprint the gateway maps to a ledger identity',
        },
      },
    },
  };
}
