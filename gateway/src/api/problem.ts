import { PROBLEM_STATUS, ServiceError, type ProblemType } from '../errors';
import { ProblemError, type FieldError } from '../http/problem';

/** Media type of every error response (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem types this API uses, with their titles. Each is a URN (RFC 9457 §3.1.1 allows non-resolvable URIs);
 * the OpenAPI document lists them. A client switches on `type`, a human reads `detail`.
 */
export const PROBLEM_TITLES: Readonly<Record<ProblemType, string>> = {
  'invalid-request': 'The request is invalid',
  'malformed-json': 'The request body is not valid JSON',
  unauthorized: 'Authentication is required',
  forbidden: 'The caller may not do this',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'request-timeout': 'The request was not received in time',
  conflict: 'Conflict with the current state',
  'idempotency-in-flight': 'A request with this Idempotency-Key is in progress',
  'content-too-large': 'The request body is too large',
  'uri-too-long': 'The request URI is too long',
  'unsupported-media-type': 'Unsupported media type',
  'idempotency-key-reused': 'Idempotency-Key reused with a different request',
  'undecryptable-envelope': 'The envelope cannot be decrypted',
  'invalid-ciphertext': 'The ciphertext does not decrypt under its key and encryption context',
  'headers-too-large': 'The request headers are too large',
  'internal-error': 'Internal server error',
  'ledger-failed': 'The ledger failed the request',
  unavailable: 'A dependency is unavailable',
  'commit-unknown': 'The transaction was submitted but its outcome is unknown',
};

export const PROBLEM_TYPE_NAMES = Object.keys(PROBLEM_TITLES) as ProblemType[];

export function problemTypeUri(name: ProblemType): string {
  return `urn:keyledger:problem:${name}`;
}

/** The problem type for a status when nothing more specific applies. */
export function problemTypeForStatus(status: number): ProblemType {
  const exact = PROBLEM_TYPE_NAMES.find((name) => PROBLEM_STATUS[name] === status);
  return exact ?? (status >= 500 ? 'internal-error' : 'invalid-request');
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

/** body-parser / http-errors style errors: `status` or `statusCode` plus `expose` and a `type` string. */
interface HttpLikeError {
  readonly status?: number;
  readonly statusCode?: number;
  readonly type?: string;
  readonly expose?: boolean;
  readonly limit?: number;
  /** zlib's code (Z_DATA_ERROR, Z_BUF_ERROR, …) when a compressed body does not inflate. */
  readonly code?: string;
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
  if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
    // Never zlib's own words ("incorrect header check"): they describe the library, not the request.
    return new ProblemError(
      'invalid-request',
      'the request body does not decompress as its Content-Encoding says (send gzip, deflate or identity)',
    );
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
 * Turns anything thrown while handling a request into a problem. A {@link ServiceError} (ledger, HSM, capability
 * and request errors alike) says its own problem type and status; parser errors of express are recognised by
 * their `type`; anything else is a 500 whose detail says nothing about internals.
 */
export function renderProblem(error: unknown, instance: string, requestId: string): RenderedProblem {
  let problem: ServiceError | undefined;
  if (error instanceof ServiceError) {
    problem = error;
  } else if (typeof error === 'object' && error !== null && 'message' in error) {
    problem = fromHttpLike(error as HttpLikeError);
  }
  const unexpected = problem === undefined;
  const final =
    problem ??
    new ProblemError('internal-error', `an unexpected error occurred; quote request id ${requestId}`);
  const detail = final.detail;
  const errors = final instanceof ProblemError ? final.errors : undefined;
  const body: ProblemDocument = {
    ...final.extensions,
    type: problemTypeUri(final.problemType),
    title: PROBLEM_TITLES[final.problemType],
    status: final.httpStatus,
    detail,
    instance,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
  const headers = final instanceof ProblemError ? final.headers : {};
  return { status: final.httpStatus, headers, body, unexpected };
}
