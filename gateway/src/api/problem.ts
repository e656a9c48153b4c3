import { HsmError } from '../hsm/errors';
import { LedgerError } from '../fabric/errors';

/** Media type of every error response (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One field-level complaint: `path` names the input (`body.version`, `path.queueId`, `query.since`, `header.…`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/**
 * The problem types this API uses. Each is a URN (RFC 9457 §3.1.1 allows non-resolvable URIs); the OpenAPI
 * document lists them. A client switches on `type`, a human reads `detail`.
 */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'The caller may not do this' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  'idempotency-in-flight': { status: 409, title: 'A request with this Idempotency-Key is in progress' },
  'content-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different request' },
  'undecryptable-envelope': { status: 422, title: 'The envelope cannot be decrypted' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'ledger-failed': { status: 502, title: 'The ledger failed the request' },
  unavailable: { status: 503, title: 'A dependency is unavailable' },
} as const;

export type ProblemTypeName = keyof typeof PROBLEM_TYPES;

export function problemTypeUri(name: ProblemTypeName): string {
  return `urn:keyledger:problem:${name}`;
}

/** The problem type for a status when nothing more specific applies. */
export function problemTypeForStatus(status: number): ProblemTypeName {
  switch (status) {
    case 400:
      return 'invalid-request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
      return 'method-not-allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'content-too-large';
    case 415:
      return 'unsupported-media-type';
    case 422:
      return 'undecryptable-envelope';
    case 502:
      return 'ledger-failed';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal-error' : 'invalid-request';
  }
}

/** An error that already knows its HTTP answer. Throw it from a handler; the error middleware renders it. */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: ProblemTypeName;
  readonly title: string;
  readonly errors?: readonly FieldError[];
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    type: ProblemTypeName,
    detail: string,
    options: {
      readonly status?: number;
      readonly errors?: readonly FieldError[];
      readonly headers?: Record<string, string>;
      readonly extensions?: Record<string, unknown>;
    } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.type = type;
    this.status = options.status ?? PROBLEM_TYPES[type].status;
    this.title = PROBLEM_TYPES[type].title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

/** The JSON body of a problem response. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export interface RenderedProblem {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ProblemDocument;
  /** True when the error was not one we expected: a bug, logged with its stack. */
  readonly unexpected: boolean;
}

function hasHttpStatus(error: unknown): error is Error & { httpStatus: number } {
  if (!(error instanceof Error)) {
    return false;
  }
  const status = (error as unknown as { httpStatus?: unknown }).httpStatus;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
}

/**
 * Refusals of the rotation layer (gateway/src/rotation), recognised by name so the API does not depend on
 * its module layout: a front-end without a usable key, an envelope it cannot open, a rotation that cannot
 * be proposed as things stand. Their messages never quote key or envelope bytes.
 */
function fromRotationError(error: Error): ProblemError | undefined {
  switch (error.name) {
    case 'KeyUnavailableError':
      return (error as { code?: unknown }).code === 'NO_USABLE_KEY'
        ? new ProblemError('conflict', error.message)
        : new ProblemError('undecryptable-envelope', error.message);
    case 'EnvelopeError':
    case 'DecryptionError':
      return new ProblemError('undecryptable-envelope', error.message);
    case 'RotationPreconditionError':
      return new ProblemError('conflict', error.message);
    default:
      return undefined;
  }
}

/** body-parser / http-errors style errors: `status` or `statusCode` plus `expose` and a `type` string. */
interface HttpLikeError {
  readonly status?: number;
  readonly statusCode?: number;
  readonly type?: string;
  readonly expose?: boolean;
  readonly limit?: number;
  readonly message: string;
}

function jsonPosition(message: string): string {
  // Never repeat the parser's message: V8 quotes a slice of the input, which may be a secret.
  const position = /position (\d+)/.exec(message)?.[1];
  return position === undefined ? '' : ` (error at byte ${position})`;
}

function fromHttpLike(error: HttpLikeError): ProblemError | undefined {
  const status = error.status ?? error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 599) {
    return undefined;
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return new ProblemError(
        'malformed-json',
        `request body is not valid JSON${jsonPosition(error.message)}`,
      );
    case 'entity.too.large':
      return new ProblemError(
        'content-too-large',
        `request body exceeds the limit of ${error.limit ?? 'the'} bytes for this route`,
      );
    case 'encoding.unsupported':
      return new ProblemError(
        'unsupported-media-type',
        'unsupported Content-Encoding; send identity, gzip or deflate',
      );
    case 'charset.unsupported':
      return new ProblemError('unsupported-media-type', 'unsupported charset; send JSON as UTF-8');
    case 'request.aborted':
      return new ProblemError('invalid-request', 'the client aborted the request body');
    case 'request.size.invalid':
      return new ProblemError('invalid-request', 'request body length does not match Content-Length');
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return undefined; // server-side misuse: a bug
    default:
      break;
  }
  if (status < 500 && error.expose !== false) {
    // e.g. express's "Failed to decode param" (a malformed %-escape in the path)
    const detail = /decode param/i.test(error.message)
      ? 'the request path contains a malformed percent-encoding'
      : error.message;
    return new ProblemError(problemTypeForStatus(status), detail, { status });
  }
  return undefined;
}

/**
 * Turns anything thrown while handling a request into a problem. Known failures keep their status and their
 * message (the chaincode's own words for a LedgerError); anything else is a 500 whose detail says nothing
 * about internals.
 */
export function renderProblem(error: unknown, instance: string, requestId: string): RenderedProblem {
  let problem: ProblemError | undefined;
  if (error instanceof ProblemError) {
    problem = error;
  } else if (error instanceof LedgerError) {
    const type: ProblemTypeName =
      error.kind === 'MVCC_CONFLICT' ? 'conflict' : problemTypeForStatus(error.httpStatus);
    const detail =
      error.kind === 'UNAVAILABLE'
        ? `the ledger is unavailable: ${error.message}`
        : error.kind === 'FAILED'
          ? `the ledger failed the request: ${error.message}`
          : error.kind === 'MVCC_CONFLICT'
            ? 'the ledger state changed concurrently and retries were exhausted; retry the request'
            : error.message;
    problem = new ProblemError(type, detail, {
      status: error.httpStatus,
      extensions: {
        ledgerErrorKind: error.kind,
        ...(error.transactionId ? { transactionId: error.transactionId } : {}),
      },
    });
  } else if (error instanceof HsmError) {
    problem = new ProblemError(
      'unavailable',
      `the HSM failed the operation${error.ckr ? ` (${error.ckr})` : ''}`,
    );
  } else if (hasHttpStatus(error)) {
    problem = new ProblemError(problemTypeForStatus(error.httpStatus), error.message, {
      status: error.httpStatus,
    });
  } else if (error instanceof Error && fromRotationError(error)) {
    problem = fromRotationError(error);
  } else if (typeof error === 'object' && error !== null && 'message' in error) {
    problem = fromHttpLike(error as HttpLikeError);
  }
  const unexpected = problem === undefined;
  const final =
    problem ??
    new ProblemError('internal-error', `an unexpected error occurred; quote request id ${requestId}`);
  const body: ProblemDocument = {
    ...final.extensions,
    type: problemTypeUri(final.type),
    title: final.title,
    status: final.status,
    detail: final.message,
    instance,
    requestId,
    ...(final.errors && final.errors.length > 0 ? { errors: final.errors } : {}),
  };
  return { status: final.status, headers: final.headers, body, unexpected };
}
