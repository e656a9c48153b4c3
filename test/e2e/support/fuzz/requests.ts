/**
 * One fuzz case per generated value: an operation of the document and everything about the request sent for
 * it — path parameters, query, authorization, content type and encoding, declared headers and the body. A
 * case names participants and existing resources symbolically (resolved when sent), so the counterexample
 * fast-check prints carries no token and stays meaningful as the ledger's state moves on.
 */
import fc from 'fast-check';
import type { Operation, Parameter } from './document';
import {
  CONTENT_TYPES_WITH_BODY,
  ENCODINGS,
  HOSTILE_SEGMENTS,
  INVALID_HEADER_VALUES,
  INVALID_REQUEST_IDS,
  MALFORMED_AUTHORIZATION,
  NON_JSON_BODIES,
  NON_OBJECT_JSON,
  RAW_QUERY_TAILS,
  UNKNOWN_FIELDS,
  UNKNOWN_QUERY_NAMES,
  WRONG_QUERY_VALUES,
  type Encoding,
} from './hostile';
import { hasProperties, validObject, validValue, wrongValue, type SchemaContext } from './jsonSchema';

export type PathValue =
  | { readonly kind: 'existing'; readonly pick: number }
  | { readonly kind: 'segment'; readonly raw: string; readonly label: string };

export type AuthForm = 'bearer' | 'lowercase scheme' | 'extra spaces' | 'trailing junk' | 'basic scheme';

export type Auth =
  | { readonly kind: 'token'; readonly participant: string; readonly form: AuthForm }
  | { readonly kind: 'none' }
  | { readonly kind: 'raw'; readonly value: string };

export type Body =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly label: string; readonly value: unknown }
  | { readonly kind: 'bytes'; readonly label: string; readonly bytes: Buffer };

export interface QueryPart {
  /** As it goes on the wire: `name=value`, or a raw tail such as `?&&`. */
  readonly raw: string;
}

export interface CaseFields {
  readonly operation: Operation;
  /** Which part of the request was generated broken. */
  readonly focus: Focus;
  readonly method: string;
  readonly pathValues: Readonly<Record<string, PathValue>>;
  readonly query: readonly QueryPart[];
  readonly rawQueryTail: string | null;
  readonly auth: Auth;
  readonly contentType: string | null;
  readonly encoding: Encoding;
  readonly chunked: boolean;
  /** Declared header parameters and X-Request-Id; an array sends the header once per value. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Body;
}

const MAX_PRINTED = 300;

function shorten(text: string, max = MAX_PRINTED): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

function printBody(body: Body): string {
  switch (body.kind) {
    case 'none':
      return 'none';
    case 'json': {
      let text: string;
      try {
        text = JSON.stringify(body.value) ?? String(body.value);
      } catch {
        text = '(not serialisable)';
      }
      return `${body.label}: ${shorten(text)}`;
    }
    case 'bytes':
      return `${body.label}: ${shorten(JSON.stringify(body.bytes.subarray(0, 400).toString('latin1')))} (${body.bytes.length} bytes)`;
  }
}

export function printAuth(auth: Auth): string {
  switch (auth.kind) {
    case 'token':
      return `${auth.form} with the token of ${auth.participant}`;
    case 'none':
      return 'none';
    case 'raw':
      return shorten(JSON.stringify(auth.value), 120);
  }
}

/** A generated request; prints without tokens and with long values cut (fast-check's counterexample). */
export class FuzzCase implements CaseFields {
  readonly operation!: Operation;
  readonly focus!: Focus;
  readonly method!: string;
  readonly pathValues!: Readonly<Record<string, PathValue>>;
  readonly query!: readonly QueryPart[];
  readonly rawQueryTail!: string | null;
  readonly auth!: Auth;
  readonly contentType!: string | null;
  readonly encoding!: Encoding;
  readonly chunked!: boolean;
  readonly headers!: Readonly<Record<string, string | readonly string[]>>;
  readonly body!: Body;

  constructor(fields: CaseFields) {
    Object.assign(this, fields);
  }

  get mutating(): boolean {
    return this.method !== 'GET' && this.method !== 'HEAD';
  }

  [fc.toStringMethod](): string {
    const params = Object.entries(this.pathValues)
      .map(([name, value]) =>
        value.kind === 'existing'
          ? `${name}=<existing #${value.pick}>`
          : `${name}=${shorten(value.raw, 80)} (${value.label})`,
      )
      .join(', ');
    const headers = Object.entries(this.headers)
      .map(([name, value]) => `${name}: ${shorten(JSON.stringify(value), 80)}`)
      .join('; ');
    return [
      `${this.method} ${this.operation.path} (${this.operation.operationId}; broken: ${this.focus})`,
      params && `path: ${params}`,
      this.query.length > 0 && `query: ${shorten(this.query.map((part) => part.raw).join('&'), 200)}`,
      this.rawQueryTail !== null && `query tail: ${this.rawQueryTail}`,
      `authorization: ${printAuth(this.auth)}`,
      `content-type: ${this.contentType === null ? 'none' : JSON.stringify(this.contentType)}`,
      this.encoding !== 'none' && `content-encoding: ${this.encoding}`,
      this.chunked && 'transfer-encoding: chunked',
      headers && `headers: ${headers}`,
      `body: ${printBody(this.body)}`,
    ]
      .filter((line) => typeof line === 'string' && line.length > 0)
      .join(' | ');
  }
}

function weighted<T>(choices: readonly { readonly weight: number; readonly value: T }[]): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(({ weight, value }) => ({ weight, arbitrary: fc.constant(value) })));
}

/** What a dimension of a request can be: fine (as a careful client sends it), or broken in some way. */
interface Dimension<T> {
  readonly good: fc.Arbitrary<T>;
  readonly bad: fc.Arbitrary<T>;
}

function encodeSegment(value: string): PathValue {
  return { kind: 'segment', raw: encodeURIComponent(value), label: 'valid id' };
}

function pathValue(param: Parameter, context: SchemaContext): Dimension<PathValue> {
  return {
    good: fc.oneof(
      { weight: 8, arbitrary: fc.nat({ max: 1_000 }).map((pick): PathValue => ({ kind: 'existing', pick })) },
      {
        weight: 2,
        arbitrary: validValue(param.schema, context).map((value) => encodeSegment(String(value))),
      },
      {
        weight: 1,
        arbitrary: fc
          .stringMatching(/^[a-z0-9]{6,12}$/)
          .map((id): PathValue => ({ kind: 'segment', raw: `missing-${id}`, label: 'id of nothing' })),
      },
    ),
    bad: fc.constantFrom(...HOSTILE_SEGMENTS).map((segment): PathValue => ({ kind: 'segment', ...segment })),
  };
}

type PathValues = Readonly<Record<string, PathValue>>;

/** Path parameters: all fine, or one of them hostile. */
function pathDimension(operation: Operation, context: SchemaContext): Dimension<PathValues> {
  const params = operation.pathParams.map((param) => [param.name, pathValue(param, context)] as const);
  const good = fc.record(Object.fromEntries(params.map(([name, value]) => [name, value.good])));
  if (params.length === 0) {
    return { good, bad: good };
  }
  const bad = fc
    .constantFrom(...params.map(([name]) => name))
    .chain((broken) =>
      fc.record(
        Object.fromEntries(params.map(([name, value]) => [name, name === broken ? value.bad : value.good])),
      ),
    );
  return { good, bad };
}

function queryPart(name: string, value: string): QueryPart {
  return { raw: `${encodeURIComponent(name)}=${value}` };
}

interface Query {
  readonly query: readonly QueryPart[];
  readonly rawQueryTail: string | null;
}

/** Declared query parameters absent or right; or of the wrong kind, repeated, unknown ones, a raw tail. */
function queryDimension(operation: Operation, context: SchemaContext): Dimension<Query> {
  const valid = (param: Parameter): fc.Arbitrary<string> =>
    validValue(param.schema, context, param.name).map((value) => encodeURIComponent(String(value)));
  const good = fc
    .tuple(
      ...operation.queryParams.map((param) =>
        fc.option(
          valid(param).map((value) => queryPart(param.name, value)),
          { nil: undefined, freq: 2 },
        ),
      ),
    )
    .map((parts): Query => ({ query: parts.filter((part) => part !== undefined), rawQueryTail: null }));
  const known = new Set(operation.queryParams.map((param) => param.name));
  const unknownNames = UNKNOWN_QUERY_NAMES.filter((name) => !known.has(name));
  const broken: fc.Arbitrary<Query>[] = [
    fc
      .array(
        fc
          .tuple(fc.constantFrom(...unknownNames), fc.constantFrom('1', '', 'x', '%zz'))
          .map(([name, value]) => queryPart(name, value)),
        { minLength: 1, maxLength: 2 },
      )
      .map((query): Query => ({ query, rawQueryTail: null })),
    fc.constantFrom(...RAW_QUERY_TAILS).map((rawQueryTail): Query => ({ query: [], rawQueryTail })),
  ];
  for (const param of operation.queryParams) {
    broken.push(
      fc
        .constantFrom(...WRONG_QUERY_VALUES)
        .map((value): Query => ({ query: [queryPart(param.name, value)], rawQueryTail: null })),
      fc.tuple(valid(param), valid(param)).map(([a, b]): Query => ({
        query: [queryPart(param.name, a), queryPart(param.name, b)],
        rawQueryTail: null,
      })),
    );
  }
  return { good, bad: fc.oneof(...broken) };
}

function authDimension(participants: readonly string[]): Dimension<Auth> {
  const participant = fc.constantFrom(...participants);
  return {
    good: participant.map((name): Auth => ({ kind: 'token', participant: name, form: 'bearer' })),
    bad: fc.oneof(
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            participant,
            fc.constantFrom<AuthForm>('lowercase scheme', 'extra spaces', 'trailing junk', 'basic scheme'),
          )
          .map(([name, form]): Auth => ({ kind: 'token', participant: name, form })),
      },
      { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(...MALFORMED_AUTHORIZATION).map((value): Auth => ({ kind: 'raw', value })),
      },
    ),
  };
}

type Headers = Readonly<Record<string, string | readonly string[]>>;

function headerRecord(
  entries: readonly (readonly [string, string | readonly string[] | undefined])[],
): Headers {
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string | readonly string[]] => entry[1] !== undefined),
  );
}

/**
 * X-Request-Id and the declared header parameters (Idempotency-Key). Good keys come mostly from a small pool, so
 * that replays and reuse with another body happen; bad ones break the declared pattern or are sent twice.
 */
function headersDimension(operation: Operation, context: SchemaContext): Dimension<Headers> {
  const goodId = fc.option(fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/), { nil: undefined, freq: 4 });
  const declared = operation.headerParams.map((param) => {
    const pattern = param.schema.pattern === undefined ? undefined : new RegExp(param.schema.pattern, 'u');
    const valid = validValue(param.schema, context).map(String);
    const invalid = INVALID_HEADER_VALUES.filter((value) => pattern === undefined || !pattern.test(value));
    return {
      name: param.name,
      good: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.constantFrom('fuzz-key-1', 'fuzz-key-2', 'fuzz-key-3') },
        { weight: 1, arbitrary: valid },
      ),
      bad: fc.oneof(
        ...(invalid.length > 0 ? [fc.constantFrom<string | readonly string[]>(...invalid)] : []),
        fc.tuple(valid, valid).map(([a, b]): readonly string[] => [a, b]),
      ),
    };
  });
  const good = fc
    .tuple(goodId, ...declared.map((header) => header.good))
    .map(([id, ...values]) =>
      headerRecord([['X-Request-Id', id], ...declared.map((header, i) => [header.name, values[i]] as const)]),
    );
  const badChoices: fc.Arbitrary<Headers>[] = [
    fc.constantFrom(...INVALID_REQUEST_IDS).map((id) => headerRecord([['X-Request-Id', id]])),
    ...declared.map((header) => header.bad.map((value) => headerRecord([[header.name, value]]))),
  ];
  return { good, bad: fc.oneof(...badChoices) };
}

interface Framing {
  readonly method: string;
  readonly contentType: string | null;
  readonly encoding: Encoding;
  readonly chunked: boolean;
}

const OTHER_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

/** Method, Content-Type, Content-Encoding and chunking: as the document says, or wrong. */
function framingDimension(operation: Operation): Dimension<Framing> {
  const hasBody = operation.body !== undefined;
  const chunked = fc.boolean();
  const good = fc.record({
    method: fc.constant(operation.method),
    contentType: fc.constant(hasBody ? 'application/json' : null),
    encoding: fc.constantFrom<Encoding>('none', 'none', 'none', 'gzip'),
    chunked,
  });
  const contentTypes = hasBody
    ? CONTENT_TYPES_WITH_BODY.filter((choice) => choice.value !== 'application/json')
    : [
        { weight: 1, value: 'application/json' },
        { weight: 1, value: 'text/plain' },
      ];
  const bad = fc.oneof(
    fc.record({
      method: fc.constant(operation.method),
      contentType: weighted(contentTypes),
      encoding: fc.constant<Encoding>('none'),
      chunked,
    }),
    fc.record({
      method: fc.constant(operation.method),
      contentType: fc.constant(hasBody ? 'application/json' : null),
      encoding: weighted(ENCODINGS.filter((choice) => choice.value !== 'none')),
      chunked,
    }),
    fc.record({
      method: fc.constantFrom(...OTHER_METHODS.filter((other) => other !== operation.method)),
      contentType: fc.constant(hasBody ? 'application/json' : null),
      encoding: fc.constant<Encoding>('none'),
      chunked,
    }),
  );
  return { good, bad };
}

function deepJunk(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** `valid` as JSON text with one more member written last (so it wins over a duplicate). */
function withMemberText(valid: Record<string, unknown>, name: string, valueText: string): Buffer {
  const base = JSON.stringify(valid);
  const open = base.length > 2 ? `${base.slice(0, -1)},` : '{';
  return Buffer.from(`${open}${JSON.stringify(name)}:${valueText}}`);
}

/** A body the schema accepts (or none where none is needed), or one broken in one of many ways. */
function bodyDimension(operation: Operation, context: SchemaContext): Dimension<Body> {
  const junk = fc.oneof(
    fc
      .constantFrom(...NON_OBJECT_JSON)
      .map((value): Body => ({ kind: 'json', label: 'not an object', value })),
    fc.constantFrom(...NON_JSON_BODIES).map((body): Body => ({ kind: 'bytes', ...body })),
  );
  if (!operation.body) {
    return {
      good: fc.constant<Body>({ kind: 'none' }),
      bad: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }).map((value): Body => ({ kind: 'json', label: 'unexpected', value })),
        junk,
      ),
    };
  }
  const schema = context.resolve(operation.body.schema);
  const valid = validObject(schema, context);
  const validBody = valid.map((value): Body => ({ kind: 'json', label: 'valid', value }));
  const names = Object.keys(schema.properties ?? {});
  const someName = fc.constantFrom(...(names.length > 0 ? names : ['junk']));
  const required = (schema.required ?? []).filter((name) => names.includes(name));
  const broken: { weight: number; arbitrary: fc.Arbitrary<Body> }[] = [
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...UNKNOWN_FIELDS), fc.jsonValue({ maxDepth: 1 }))
        .map(([value, name, extra]): Body => ({
          kind: 'bytes',
          label: `unknown field ${JSON.stringify(name.slice(0, 20))}`,
          bytes: withMemberText(value, name, JSON.stringify(extra) ?? 'null'),
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, someName, fc.constantFrom(8, 1_000, 20_000))
        .map(([value, name, depth]): Body => ({
          kind: 'bytes',
          label: `${name} nested ${depth} deep`,
          bytes: withMemberText(value, name, deepJunk(depth)),
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, someName, fc.constantFrom(1_000, 12_000, 200_000))
        .map(([value, name, length]): Body => ({
          kind: 'bytes',
          label: `${name} an array of ${length}`,
          bytes: withMemberText(value, name, `[${new Array<string>(length).fill('1').join(',')}]`),
        })),
    },
    { weight: 3, arbitrary: junk },
  ];
  if (operation.body.required) {
    broken.push({ weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) });
  }
  if (hasProperties(schema)) {
    broken.push({
      weight: 6,
      arbitrary: fc
        .constantFrom(...names)
        .chain((name) =>
          fc.tuple(fc.constant(name), valid, wrongValue(schema.properties?.[name] ?? {}, context)),
        )
        .map(([name, value, wrong]): Body => ({
          kind: 'json',
          label: `${name} wrong`,
          value: { ...value, [name]: wrong },
        })),
    });
  }
  if (required.length > 0) {
    broken.push({
      weight: 2,
      arbitrary: fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]): Body => ({
        kind: 'json',
        label: `${name} missing`,
        value: Object.fromEntries(Object.entries(value).filter(([key]) => key !== name)),
      })),
    });
  }
  const good = operation.body.required
    ? validBody
    : fc.oneof(
        { weight: 3, arbitrary: validBody },
        { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
      );
  return { good, bad: fc.oneof(...broken) };
}

/** Which part of a request is broken: none, one of them, or any number at once. */
export type Focus = 'none' | 'path' | 'query' | 'auth' | 'headers' | 'framing' | 'body' | 'chaos';

const FOCUS: readonly { readonly weight: number; readonly value: Focus }[] = [
  { weight: 4, value: 'none' },
  { weight: 2, value: 'path' },
  { weight: 1, value: 'query' },
  { weight: 2, value: 'auth' },
  { weight: 1, value: 'headers' },
  { weight: 2, value: 'framing' },
  { weight: 4, value: 'body' },
  { weight: 2, value: 'chaos' },
];

/**
 * Every request of one operation the fuzzer can send. Most cases break one part of an otherwise careful request,
 * so that the server's checks are reached one by one (a request broken everywhere stops at the first check);
 * 'chaos' breaks any number of parts at once.
 */
export function caseArbitrary(
  operation: Operation,
  participants: readonly string[],
  context: SchemaContext,
): fc.Arbitrary<FuzzCase> {
  const dimensions = {
    pathValues: pathDimension(operation, context),
    query: queryDimension(operation, context),
    auth: authDimension(participants),
    headers: headersDimension(operation, context),
    framing: framingDimension(operation),
    body: bodyDimension(operation, context),
  };
  const focusOf: Record<keyof typeof dimensions, Focus> = {
    pathValues: 'path',
    query: 'query',
    auth: 'auth',
    headers: 'headers',
    framing: 'framing',
    body: 'body',
  };
  const pick = <T>(focus: Focus, name: keyof typeof dimensions, dimension: Dimension<T>): fc.Arbitrary<T> =>
    focus === 'chaos'
      ? fc.oneof(dimension.good, dimension.bad)
      : focus === focusOf[name]
        ? dimension.bad
        : dimension.good;
  return fc.oneof(
    ...FOCUS.map(({ weight, value: focus }) => ({
      weight,
      arbitrary: fc
        .record({
          pathValues: pick(focus, 'pathValues', dimensions.pathValues),
          query: pick(focus, 'query', dimensions.query),
          auth: pick(focus, 'auth', dimensions.auth),
          headers: pick(focus, 'headers', dimensions.headers),
          framing: pick(focus, 'framing', dimensions.framing),
          body: pick(focus, 'body', dimensions.body),
        })
        .map(
          ({ query, framing, ...rest }) => new FuzzCase({ operation, focus, ...rest, ...query, ...framing }),
        ),
    })),
  );
}

/** Every operation of the document, equally often. */
export function requestArbitrary(
  operations: readonly Operation[],
  participants: readonly string[],
  context: SchemaContext,
): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...operations.map((operation) => caseArbitrary(operation, participants, context)));
}
