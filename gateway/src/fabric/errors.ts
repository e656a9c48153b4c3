import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  StatusCode,
  type SubmitError,
} from '@hyperledger/fabric-gateway';
import { findChaincodeError, type ErrorCode } from '@keyledger/chaincode/protocol';
import { ServiceError, type ProblemType } from '../errors';

/**
 * Why a ledger call failed, in the terms a caller acts on:
 * - the chaincode's own refusals (`[CODE] message` in its error text);
 * - `MVCC_CONFLICT`: the transaction lost a race on a key and can be endorsed again on the new state;
 * - `UNAVAILABLE`: no peer or orderer answered; nothing happened, another attempt may succeed;
 * - `COMMIT_UNKNOWN`: the transaction was submitted but its commit status could not be learned — it may have
 *   committed, so it must not be submitted again blindly;
 * - `ACCESS_DENIED`: the channel refused the identity (ACL, unknown MSP) before the chaincode ran;
 * - `FAILED`: anything else the network reported (an invalid transaction, mismatching endorsements, …).
 */
export type LedgerErrorKind =
  ErrorCode | 'MVCC_CONFLICT' | 'UNAVAILABLE' | 'COMMIT_UNKNOWN' | 'ACCESS_DENIED' | 'FAILED';

const problemByKind: Readonly<Record<LedgerErrorKind, ProblemType>> = {
  INVALID_ARGUMENT: 'invalid-request',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not-found',
  CONFLICT: 'conflict',
  MVCC_CONFLICT: 'conflict',
  UNAVAILABLE: 'unavailable',
  COMMIT_UNKNOWN: 'commit-unknown',
  ACCESS_DENIED: 'forbidden',
  FAILED: 'ledger-failed',
};

/** What a client is told: the chaincode's own words for its refusals, a sentence for the rest. */
function detailOf(kind: LedgerErrorKind, message: string): string {
  switch (kind) {
    case 'UNAVAILABLE':
      return `the ledger is unavailable: ${message}`;
    case 'FAILED':
      return `the ledger failed the request: ${message}`;
    case 'MVCC_CONFLICT':
      return 'the ledger state changed concurrently and retries were exhausted; retry the request';
    default:
      return message;
  }
}

export interface LedgerErrorOptions {
  readonly kind: LedgerErrorKind;
  readonly message: string;
  readonly transactionId?: string;
  /** The transaction validation code of a failed commit (fabric-gateway `CommitError.code`). */
  readonly validationCode?: number;
  /** The gRPC status of a failed Gateway call (fabric-gateway `GatewayError.code`). */
  readonly grpcStatus?: number;
  readonly cause?: unknown;
}

/** A failed ledger call, carrying the chaincode's own message rather than the gRPC wrapper's. */
export class LedgerError extends ServiceError {
  readonly kind: LedgerErrorKind;
  readonly transactionId?: string;
  readonly validationCode?: number;
  readonly grpcStatus?: number;

  constructor(options: LedgerErrorOptions) {
    super({
      message: options.message,
      detail: detailOf(options.kind, options.message),
      problemType: problemByKind[options.kind],
      cause: options.cause,
      extensions: {
        ledgerErrorKind: options.kind,
        ...(options.transactionId !== undefined ? { transactionId: options.transactionId } : {}),
      },
    });
    this.kind = options.kind;
    this.transactionId = options.transactionId;
    this.validationCode = options.validationCode;
    this.grpcStatus = options.grpcStatus;
  }

  /**
   * Whether the same call may simply be made again: an MVCC conflict (re-endorsed on the new state) or an
   * endpoint that did not answer. Never a commit whose outcome is unknown, never a chaincode refusal.
   */
  get retryable(): boolean {
    return this.kind === 'MVCC_CONFLICT' || this.kind === 'UNAVAILABLE';
  }
}

const RETRYABLE_VALIDATION_CODES: ReadonlySet<number> = new Set([
  StatusCode.MVCC_READ_CONFLICT,
  StatusCode.PHANTOM_READ_CONFLICT,
]);

/** gRPC statuses meaning the request did not get an answer (Fabric's gateway uses UNAVAILABLE for "try another"). */
const NO_ANSWER: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
]);

function validationCodeName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

function fromCommitError(error: CommitError): LedgerError {
  const kind = RETRYABLE_VALIDATION_CODES.has(error.code) ? 'MVCC_CONFLICT' : 'FAILED';
  return new LedgerError({
    kind,
    message: `transaction ${error.transactionId} was not committed: ${validationCodeName(error.code)}`,
    transactionId: error.transactionId,
    validationCode: error.code,
    cause: error,
  });
}

/** Which Gateway call failed: fabric-gateway has one error class per phase (SubmitError is exported as a type only). */
type Phase = 'evaluate' | 'endorse' | 'submit' | 'commitStatus';

function phaseOf(error: GatewayError): Phase {
  if (error instanceof EndorseError) {
    return 'endorse';
  }
  if (error instanceof CommitStatusError) {
    return 'commitStatus';
  }
  return typeof (error as Partial<SubmitError>).transactionId === 'string' ? 'submit' : 'evaluate';
}

function fromGatewayError(error: GatewayError): LedgerError {
  const phase = phaseOf(error);
  const transactionId = phase === 'evaluate' ? undefined : (error as SubmitError).transactionId;
  const base = { transactionId, grpcStatus: error.code, cause: error };
  // Endorse and submit put the peer's words in the details, evaluate in the message.
  for (const text of [...error.details.map((detail) => detail.message), error.message]) {
    const refusal = findChaincodeError(text);
    if (refusal) {
      return new LedgerError({ ...base, kind: refusal.code, message: refusal.message });
    }
  }
  const detail = [error.message, ...error.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`)].join(
    '; ',
  );
  if (phase === 'commitStatus' || (phase === 'submit' && NO_ANSWER.has(error.code))) {
    // The envelope reached (or may have reached) the orderer: whether it commits is unknown, so it is not
    // endorsed and submitted again as if nothing had happened.
    return new LedgerError({
      ...base,
      kind: 'COMMIT_UNKNOWN',
      message: `the commit status of transaction ${transactionId} is unknown: ${detail}`,
    });
  }
  if (NO_ANSWER.has(error.code)) {
    return new LedgerError({ ...base, kind: 'UNAVAILABLE', message: detail });
  }
  if (
    phase === 'endorse' &&
    error.code === GrpcStatus.ABORTED &&
    /ProposalResponsePayloads do not match/.test(detail)
  ) {
    // Endorsers of different orgs simulated on different ledger heights (a concurrent commit reached one first):
    // as with an MVCC conflict, endorsing again on the newer state is the answer.
    return new LedgerError({ ...base, kind: 'MVCC_CONFLICT', message: detail });
  }
  if (
    error.code === GrpcStatus.PERMISSION_DENIED ||
    (error.code === GrpcStatus.FAILED_PRECONDITION && /access denied/.test(error.message))
  ) {
    // Fabric answers FAILED_PRECONDITION "… access denied: channel [ch] creator org [X]" for channel ACLs.
    return new LedgerError({ ...base, kind: 'ACCESS_DENIED', message: detail });
  }
  return new LedgerError({ ...base, kind: 'FAILED', message: detail });
}

/**
 * Maps what `@hyperledger/fabric-gateway` throws to a {@link LedgerError}: `EndorseError`, `SubmitError`,
 * `CommitStatusError` and plain `GatewayError` by their gRPC status and details; `CommitError` by its transaction
 * validation code (a number from another table than gRPC's: code 14 is TARGET_CHAIN_NOT_FOUND there, not
 * UNAVAILABLE). Anything else is wrapped as FAILED with the original as `cause`.
 */
export function toLedgerError(error: unknown): LedgerError {
  if (error instanceof LedgerError) {
    return error;
  }
  if (error instanceof CommitError) {
    return fromCommitError(error);
  }
  if (error instanceof GatewayError) {
    return fromGatewayError(error);
  }
  return new LedgerError({
    kind: 'FAILED',
    message: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}
