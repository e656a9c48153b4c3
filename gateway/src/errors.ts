/**
 * The failures the gateway answers for, by what a client should do about them. Every error class of the
 * gateway (ledger, HSM, each capability) carries one of these and an HTTP status, so the REST API maps an error
 * by its properties and never by its class name; a CLI or another transport can map the same properties.
 */
export const PROBLEM_STATUS = {
  'invalid-request': 400,
  'malformed-json': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'request-timeout': 408,
  conflict: 409,
  'idempotency-in-flight': 409,
  'content-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  'undecryptable-envelope': 422,
  'invalid-ciphertext': 422,
  'headers-too-large': 431,
  'internal-error': 500,
  'ledger-failed': 502,
  unavailable: 503,
  'commit-unknown': 504,
} as const satisfies Record<string, number>;

export type ProblemType = keyof typeof PROBLEM_STATUS;

export interface ServiceErrorOptions {
  readonly message: string;
  /** What a client is told (default: the message) — for errors whose message is for operators only. */
  readonly detail?: string;
  readonly problemType: ProblemType;
  /** Default: the problem type's status. */
  readonly httpStatus?: number;
  /** Extra members of the problem document (ids, versions — never secrets). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * A failure the gateway expected and can explain. Its message is safe to show to the caller: no key bytes,
 * tokens or PINs, ever. Subclasses add what their callers switch on (a ledger error kind, a CKR name, …).
 */
export class ServiceError extends Error {
  readonly problemType: ProblemType;
  readonly httpStatus: number;
  readonly detail: string;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(options: ServiceErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail ?? options.message;
    this.problemType = options.problemType;
    this.httpStatus = options.httpStatus ?? PROBLEM_STATUS[options.problemType];
    this.extensions = options.extensions ?? {};
  }
}
