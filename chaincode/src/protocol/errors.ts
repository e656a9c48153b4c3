/**
 * Typed chaincode errors. Only the message crosses the wire (a chaincode response 500 carries the
 * message alone), so each message starts with its code in brackets — `[NOT_FOUND] queue q1 …` — and the
 * gateway maps that code back to an HTTP status (400, 403, 404, 409).
 */
export const ERROR_CODES = ['INVALID_ARGUMENT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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

const codePattern = new RegExp(`^\\[(${ERROR_CODES.join('|')})\\] `);
/** The code and message anywhere in a longer text: Fabric wraps it, e.g. `chaincode response 500, [NOT_FOUND] …`. */
const embeddedPattern = new RegExp(`\\[(${ERROR_CODES.join('|')})\\] ([^\\n]*)`);

/** Reads the code back from a message produced by {@link KeyLedgerError}. */
export function errorCodeOf(message: string): ErrorCode | undefined {
  const match = codePattern.exec(message);
  return match ? (match[1] as ErrorCode) : undefined;
}

/** A chaincode error found in a text that quotes it: its code and its own message (without the prefix). */
export interface ChaincodeErrorText {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Finds the chaincode's `[CODE] message` in an error text of the gateway (message or error details). */
export function findChaincodeError(text: string): ChaincodeErrorText | undefined {
  const match = embeddedPattern.exec(text);
  return match ? { code: match[1] as ErrorCode, message: match[2] ?? '' } : undefined;
}
