import * as http from 'node:http';
import * as https from 'node:https';
import { ApiProblemError, ApiUnreachableError, type ApiFieldError } from './errors';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  readonly method: ApiMethod;
  /** Path below the API's URL, with its parameters already encoded (see {@link apiPath}). */
  readonly path: string;
  /** Query parameters; undefined ones are left out. */
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Overrides the client's timeout, e.g. for a `?wait=committed` request that answers late on purpose. */
  readonly timeoutMs?: number;
}

export interface ApiResponse<T> {
  readonly status: number;
  /** Response headers by lower-case name (a repeated header's values joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: T;
}

export interface KeyLedgerClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080 (a trailing slash is ignored). */
  readonly url: string;
  /** Bearer token sent with every request. */
  readonly token: string;
  /** Longest wait for an answer (default 60 s: a ledger call may wait for a block). */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
const PROBLEM_URN = 'urn:keyledger:problem:';

/** A path with each parameter percent-encoded: `apiPath\`/v1/queues/${id}/key\`` (ids may contain `/`). */
export function apiPath(strings: TemplateStringsArray, ...params: readonly (string | number)[]): string {
  return strings.reduce(
    (path, text, i) => path + text + (i < params.length ? encodeURIComponent(String(params[i])) : ''),
    '',
  );
}

interface ProblemBody {
  readonly type?: unknown;
  readonly title?: unknown;
  readonly detail?: unknown;
  readonly requestId?: unknown;
  readonly errors?: unknown;
}

function fieldErrorsOf(value: unknown): ApiFieldError[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((entry: unknown) => {
    const { path, message } = (entry ?? {}) as { path?: unknown; message?: unknown };
    return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
  });
}

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
}

/** Socket errors by their properties: they may come from another realm (a test runner's vm), so no instanceof. */
function errorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) of an error or of one of its causes. */
function systemCode(error: unknown): string | undefined {
  for (let current = errorLike(error); current !== undefined; current = errorLike(current.cause)) {
    if (typeof current.code === 'string' && /^E[A-Z]+$/.test(current.code)) {
      return current.code;
    }
  }
  return undefined;
}

interface RawResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly text: string;
}

/**
 * One request with node:http(s), no connection kept: a CLI makes a request or two and should exit at once.
 * (Not fetch: it refuses "bad ports" such as 6000 or 10080, which an API may well listen on.)
 */
function send(
  target: URL,
  init: Readonly<{ method: string; headers: Record<string, string>; body?: string; timeoutMs: number }>,
): Promise<RawResponse> {
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: init.method,
        headers: init.headers,
        agent: false,
        signal: AbortSignal.timeout(init.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
          }
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

/**
 * A small client of the KeyLedger REST API: JSON in and out, the bearer token on every request, and every
 * error answer turned into an {@link ApiProblemError} with the server's own explanation. It knows paths, not
 * routes: the commands built on it say which endpoint they call.
 */
export class KeyLedgerClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: Readonly<KeyLedgerClientOptions>) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
    const target = new URL(this.url + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) {
        target.searchParams.set(name, String(value));
      }
    }
    const label = `${request.method} ${request.path}`;
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    let response: RawResponse;
    try {
      response = await send(target, {
        method: request.method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: 'application/json, application/problem+json',
          'user-agent': 'keyledger-cli',
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
        ...(body === undefined ? {} : { body }),
        timeoutMs,
      });
    } catch (error) {
      throw this.#unreachable(error, timeoutMs);
    }
    if (response.status < 200 || response.status > 299) {
      throw this.#problem(response, label);
    }
    return {
      status: response.status,
      headers: response.headers,
      body: (response.text === '' ? undefined : JSON.parse(response.text)) as T,
    };
  }

  #unreachable(error: unknown, timeoutMs: number): ApiUnreachableError {
    const name = errorLike(error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new ApiUnreachableError({
        message: `no answer from the KeyLedger API at ${this.url} within ${Math.round(timeoutMs / 1000)} s`,
        url: this.url,
        code: 'TIMEOUT',
        cause: error,
      });
    }
    const code = systemCode(error);
    return new ApiUnreachableError({
      message: `cannot reach the KeyLedger API at ${this.url}${code ? ` (${code})` : ''}: is it running? (npm start)`,
      url: this.url,
      ...(code ? { code } : {}),
      cause: error,
    });
  }

  #problem(response: RawResponse, label: string): ApiProblemError {
    let body: ProblemBody = {};
    try {
      body = (JSON.parse(response.text) ?? {}) as ProblemBody;
    } catch {
      // Not JSON (a proxy's error page): the status line is all there is to say.
    }
    const type = typeof body.type === 'string' && body.type.startsWith(PROBLEM_URN) ? body.type : undefined;
    return new ApiProblemError({
      status: response.status,
      ...(type ? { problemType: type.slice(PROBLEM_URN.length) } : {}),
      ...(typeof body.title === 'string' ? { title: body.title } : {}),
      detail:
        typeof body.detail === 'string' && body.detail !== ''
          ? body.detail
          : `HTTP ${response.status} ${response.statusText}`.trim(),
      fieldErrors: fieldErrorsOf(body.errors),
      ...(typeof body.requestId === 'string' ? { requestId: body.requestId } : {}),
      request: label,
    });
  }
}
