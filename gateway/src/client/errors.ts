/** One field-level complaint of a problem document: `path` names the input (`body.maxMessages`, `query.since`). */
export interface ApiFieldError {
  readonly path: string;
  readonly message: string;
}

export interface ApiProblemErrorOptions {
  readonly status: number;
  /** The problem type's name (`not-found` of `urn:keyledger:problem:not-found`); undefined for a non-KeyLedger answer. */
  readonly problemType?: string;
  readonly title?: string;
  /** What was wrong, for a human: the server's `detail`. */
  readonly detail: string;
  readonly fieldErrors?: readonly ApiFieldError[];
  readonly requestId?: string;
  /** The request as `METHOD path`, for messages. */
  readonly request: string;
  readonly cause?: unknown;
}

/**
 * The API answered with an error status: its problem+json document (RFC 9457), as properties a caller switches
 * on (`status`, `problemType`) and a message made of the server's detail (never of the request, which may hold a
 * token or a message).
 */
export class ApiProblemError extends Error {
  readonly status: number;
  readonly problemType: string | undefined;
  readonly title: string | undefined;
  readonly detail: string;
  readonly fieldErrors: readonly ApiFieldError[];
  readonly requestId: string | undefined;
  readonly request: string;

  constructor(options: Readonly<ApiProblemErrorOptions>) {
    super(options.detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ApiProblemError.name;
    this.status = options.status;
    this.problemType = options.problemType;
    this.title = options.title;
    this.detail = options.detail;
    this.fieldErrors = options.fieldErrors ?? [];
    this.requestId = options.requestId;
    this.request = options.request;
  }
}

/** No answer from the API: refused, reset, unresolvable, or too slow. */
export class ApiUnreachableError extends Error {
  readonly url: string;
  /** The system error code when there is one (ECONNREFUSED, ENOTFOUND, …), or `TIMEOUT`. */
  readonly code: string | undefined;

  constructor(options: Readonly<{ message: string; url: string; code?: string; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ApiUnreachableError.name;
    this.url = options.url;
    this.code = options.code;
  }
}

/** Where to send requests, or as whom, could not be worked out from flags, environment and profile. */
export class CredentialsError extends Error {
  /**
   * True when the command line or environment is contradictory or malformed (two credentials, a URL that is
   * not one); false when there is simply no usable credential (no profile, no token for that name).
   */
  readonly usage: boolean;

  constructor(options: Readonly<{ message: string; usage?: boolean; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = CredentialsError.name;
    this.usage = options.usage ?? false;
  }
}
