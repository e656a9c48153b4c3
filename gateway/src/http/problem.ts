import { ServiceError, type ProblemType } from '../errors';

/** One field-level complaint: `path` names the input (`body.version`, `path.queueId`, `query.since`, `header.…`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ProblemErrorOptions {
  readonly status?: number;
  readonly errors?: readonly FieldError[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * An error that already knows its HTTP answer, for what only the REST layer can say (a field is missing, a
 * query parameter is unknown, a front-end is not the caller's). Throw it from a handler; the app renders it.
 */
export class ProblemError extends ServiceError {
  readonly errors?: readonly FieldError[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(type: ProblemType, detail: string, options: ProblemErrorOptions = {}) {
    super({
      message: detail,
      problemType: type,
      ...(options.status !== undefined ? { httpStatus: options.status } : {}),
      ...(options.extensions !== undefined ? { extensions: options.extensions } : {}),
      cause: options.cause,
    });
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  /** Kept for callers that read `status`, as express-style errors have it. */
  get status(): number {
    return this.httpStatus;
  }

  get type(): ProblemType {
    return this.problemType;
  }
}
