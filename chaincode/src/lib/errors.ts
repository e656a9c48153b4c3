/**
 * Typed chaincode errors. Only the message crosses the wire (a chaincode response 500 carries the
 * message alone), so each message starts with its code in brackets — `[NOT_FOUND] queue q1 …` — and the
 * gateway maps that code back to an HTTP status (400, 403, 404, 409).
 */
export type ErrorCode = 'INVALID_ARGUMENT' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

export class KeyLedgerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(`[${code}] ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input is malformed or violates a rule that does not depend on ledger state. */
export class ValidationError extends KeyLedgerError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The caller lacks the role (or membership) the function needs. */
export class ForbiddenError extends KeyLedgerError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends KeyLedgerError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The request is well formed but conflicts with ledger state (duplicate, wrong status, wrong version). */
export class ConflictError extends KeyLedgerError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

const codePattern = /^\[(INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT)\] /;

/** Reads the code back from a message produced by {@link KeyLedgerError}, e.g. on the gateway side. */
export function errorCodeOf(message: string): ErrorCode | undefined {
  const match = codePattern.exec(message);
  return match ? (match[1] as ErrorCode) : undefined;
}
