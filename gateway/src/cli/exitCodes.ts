import { ApiProblemError, ApiUnreachableError, CredentialsError, ProfileError } from '../client';
import { CheckFailedError, UsageError, WaitIncompleteError } from '../command';

/** What `keyledger` exits with. Scripts switch on these; `keyledger --help` lists them. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  conflict: 5,
  invalid: 6,
  unavailable: 7,
  waitIncomplete: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [EXIT.ok, 'ok'],
  [EXIT.unexpected, 'unexpected error (a bug: please report it)'],
  [EXIT.usage, 'usage: unknown command or option, missing or malformed value'],
  [EXIT.notFound, 'not found: no such queue, proposal, token or identity'],
  [EXIT.denied, 'unauthenticated or forbidden: no or bad token, or the identity may not do this'],
  [EXIT.conflict, 'conflict with the current state (e.g. a rotation is already open)'],
  [EXIT.invalid, 'invalid request, an envelope that does not decrypt, or a token that does not verify'],
  [EXIT.unavailable, 'ledger or service unavailable (5xx, connection refused, no answer)'],
  [EXIT.waitIncomplete, '--wait timed out, or the proposal closed without committing'],
];

/** By problem type first (the API's own word for what went wrong), by status for anything else. */
const BY_PROBLEM_TYPE: Readonly<Record<string, ExitCode>> = {
  'not-found': EXIT.notFound,
  unauthorized: EXIT.denied,
  forbidden: EXIT.denied,
  conflict: EXIT.conflict,
  'idempotency-in-flight': EXIT.conflict,
  'invalid-request': EXIT.invalid,
  'malformed-json': EXIT.invalid,
  'content-too-large': EXIT.invalid,
  'uri-too-long': EXIT.invalid,
  'unsupported-media-type': EXIT.invalid,
  'idempotency-key-reused': EXIT.invalid,
  'undecryptable-envelope': EXIT.invalid,
  'headers-too-large': EXIT.invalid,
  'method-not-allowed': EXIT.unexpected,
  'internal-error': EXIT.unavailable,
  'ledger-failed': EXIT.unavailable,
  unavailable: EXIT.unavailable,
  'commit-unknown': EXIT.unavailable,
};

function byStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.denied;
  if (status === 409) return EXIT.conflict;
  if (status >= 500) return EXIT.unavailable;
  if (status >= 400) return EXIT.invalid;
  return EXIT.unexpected;
}

/** The exit code for what a command threw, by the error's class and properties (never its message). */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof WaitIncompleteError) return EXIT.waitIncomplete;
  if (error instanceof CheckFailedError) return EXIT.invalid;
  if (error instanceof ApiUnreachableError) return EXIT.unavailable;
  if (error instanceof CredentialsError) return error.usage ? EXIT.usage : EXIT.denied;
  if (error instanceof ProfileError) return EXIT.denied;
  if (error instanceof ApiProblemError) {
    const known = error.problemType === undefined ? undefined : BY_PROBLEM_TYPE[error.problemType];
    return known ?? byStatus(error.status);
  }
  return EXIT.unexpected;
}
