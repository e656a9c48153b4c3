/**
 * What the fuzzer reads from the API's own OpenAPI document: every operation with its parameters, request body
 * schema and declared response statuses, the problem types of `info.description`, and the Problem schema's
 * required members. Nothing here names a route: a route added to the table is fuzzed without an edit.
 */

/** The subset of JSON Schema (2020-12, as zod emits it) the generators understand. */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

export interface Operation {
  /** Upper case, as sent. */
  readonly method: string;
  /** The document's template: `/v1/queues/{queueId}/policy`. */
  readonly path: string;
  readonly operationId: string;
  readonly pathParams: readonly Parameter[];
  readonly queryParams: readonly Parameter[];
  readonly headerParams: readonly Parameter[];
  /** The request body's schema with `$ref`s resolved one level (components stay reachable through `resolve`). */
  readonly body?: { readonly schema: JsonSchema; readonly required: boolean };
  /** Every status the document declares for this operation. */
  readonly statuses: ReadonlySet<number>;
}

export interface ApiDocument {
  readonly operations: readonly Operation[];
  /** URNs of the problem types listed in `info.description`, with their documented status. */
  readonly problemTypes: ReadonlyMap<string, number>;
  /** Members every problem document must have (the Problem schema's `required`). */
  readonly problemRequired: readonly string[];
  resolve(schema: JsonSchema): JsonSchema;
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`OpenAPI document: ${what} is not an object`);
  }
  return value as Json;
}

/** `| \`urn:keyledger:problem:x\` | 400 | title |` rows of the description's problem table. */
function problemTypesOf(description: string): Map<string, number> {
  const types = new Map<string, number>();
  for (const match of description.matchAll(/^\|\s*`(urn:[^`]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    types.set(match[1] as string, Number(match[2]));
  }
  return types;
}

/** Reads an OpenAPI 3.1 document as the gateway serves it. */
export function readApiDocument(document: unknown): ApiDocument {
  const root = asObject(document, 'the document');
  const components = asObject(asObject(root['components'] ?? {}, 'components')['schemas'] ?? {}, 'schemas');
  const resolve = (schema: JsonSchema): JsonSchema => {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined; hops += 1) {
      const id = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
      const target = id === undefined ? undefined : components[id];
      if (target === undefined || hops > 16) {
        throw new Error(`OpenAPI document: unresolvable $ref ${current.$ref}`);
      }
      current = target as JsonSchema;
    }
    return current;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(asObject(root['paths'], 'paths'))) {
    for (const method of METHODS) {
      const raw = asObject(item, path)[method];
      if (raw === undefined) {
        continue;
      }
      const op = asObject(raw, `${method} ${path}`);
      const parameters = ((op['parameters'] as Parameter[] | undefined) ?? []).map((p) => ({
        ...p,
        schema: resolve(p.schema ?? {}),
      }));
      const requestBody = op['requestBody'] as
        { required?: boolean; content?: Record<string, { schema?: JsonSchema }> } | undefined;
      const bodySchema = requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: String(op['operationId'] ?? `${method} ${path}`),
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        headerParams: parameters.filter((p) => p.in === 'header'),
        ...(bodySchema
          ? { body: { schema: resolve(bodySchema), required: requestBody?.required ?? false } }
          : {}),
        statuses: new Set(Object.keys(asObject(op['responses'], 'responses')).map(Number)),
      });
    }
  }
  const info = asObject(root['info'], 'info');
  const problem = components['Problem'] as JsonSchema | undefined;
  return {
    operations,
    problemTypes: problemTypesOf(String(info['description'] ?? '')),
    problemRequired: problem?.required ?? ['type', 'title', 'status', 'detail'],
    resolve,
  };
}
