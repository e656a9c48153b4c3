import { ApiProblemError, ApiUnreachableError, CredentialsError, ProfileError } from '../../src/client';
import { EXIT, EXIT_CODE_HELP, exitCodeOf } from '../../src/cli/exitCodes';
import { UsageError, WaitIncompleteError } from '../../src/command';
import { PROBLEM_STATUS, type ProblemType } from '../../src/errors';

function problem(status: number, problemType?: string): ApiProblemError {
  return new ApiProblemError({
    status,
    ...(problemType === undefined ? {} : { problemType }),
    detail: 'x',
    request: 'GET /',
  });
}

describe('exit codes', () => {
  it.each([
    ['not-found', EXIT.notFound],
    ['unauthorized', EXIT.denied],
    ['forbidden', EXIT.denied],
    ['conflict', EXIT.conflict],
    ['idempotency-in-flight', EXIT.conflict],
    ['invalid-request', EXIT.invalid],
    ['malformed-json', EXIT.invalid],
    ['content-too-large', EXIT.invalid],
    ['undecryptable-envelope', EXIT.invalid],
    ['idempotency-key-reused', EXIT.invalid],
    ['ledger-failed', EXIT.unavailable],
    ['unavailable', EXIT.unavailable],
    ['commit-unknown', EXIT.unavailable],
    ['internal-error', EXIT.unavailable],
  ] as const)('problem type %s exits %d', (type, code) => {
    expect(exitCodeOf(problem(PROBLEM_STATUS[type], type))).toBe(code);
  });

  it('has a code for every problem type the API can answer', () => {
    for (const type of Object.keys(PROBLEM_STATUS) as ProblemType[]) {
      expect(exitCodeOf(problem(PROBLEM_STATUS[type], type))).not.toBe(EXIT.ok);
    }
  });

  it.each([
    [404, EXIT.notFound],
    [401, EXIT.denied],
    [403, EXIT.denied],
    [409, EXIT.conflict],
    [400, EXIT.invalid],
    [422, EXIT.invalid],
    [429, EXIT.invalid],
    [500, EXIT.unavailable],
    [502, EXIT.unavailable],
    [503, EXIT.unavailable],
  ])('an answer without a KeyLedger problem type (a proxy) goes by status: %d exits %d', (status, code) => {
    expect(exitCodeOf(problem(status))).toBe(code);
  });

  it('maps the CLI-side errors by class and property', () => {
    expect(exitCodeOf(new UsageError({ message: 'x' }))).toBe(EXIT.usage);
    expect(exitCodeOf(new WaitIncompleteError({ message: 'x', outcome: 'timeout' }))).toBe(
      EXIT.waitIncomplete,
    );
    expect(exitCodeOf(new WaitIncompleteError({ message: 'x', outcome: 'rejected' }))).toBe(
      EXIT.waitIncomplete,
    );
    expect(exitCodeOf(new ApiUnreachableError({ message: 'x', url: 'http://h', code: 'ECONNREFUSED' }))).toBe(
      EXIT.unavailable,
    );
    expect(exitCodeOf(new CredentialsError({ message: 'x' }))).toBe(EXIT.denied);
    expect(exitCodeOf(new CredentialsError({ message: 'x', usage: true }))).toBe(EXIT.usage);
    expect(exitCodeOf(new ProfileError({ message: 'x' }))).toBe(EXIT.denied);
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.unexpected);
    expect(exitCodeOf('a string')).toBe(EXIT.unexpected);
  });

  it('documents every code once', () => {
    expect(EXIT_CODE_HELP.map(([code]) => code)).toEqual(Object.values(EXIT));
  });
});
