import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Codes the chaincode puts in brackets at the start of its error messages (chaincode/src/lib/errors.ts).
 * Only the message crosses the wire, so this prefix is the contract between the two sides.
 */
export const CHAINCODE_ERROR_CODES = ['INVALID_ARGUMENT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'] as const;
export type ChaincodeErrorCode = (typeof CHAINCODE_ERROR_CODES)[number];

export type LedgerErrorKind = ChaincodeErrorCode | 'MVCC_CONFLICT' | 'UNAVAILABLE' | 'FAILED';

const httpStatusByKind: Readonly<Record<LedgerErrorKind, number>> = {
  INVALID_ARGUMENT: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  MVCC_CONFLICT: 409,
  UNAVAILABLE: 503,
  FAILED: 502,
};

/** A failed ledger call, carrying the chaincode's own message rather than the gRPC wrapper's. */
export class LedgerError extends Error {
  readonly kind: LedgerErrorKind;
  readonly httpStatus: number;
  readonly transactionId?: string;

  constructor(kind: LedgerErrorKind, message: string, transactionId?: string) {
    super(message);
    this.name = 'LedgerError';
    this.kind = kind;
    this.httpStatus = httpStatusByKind[kind];
    this.transactionId = transactionId;
  }

  /** MVCC conflicts and unavailable endpoints are worth retrying; chaincode rejections are not. */
  get retryable(): boolean {
    return this.kind === 'MVCC_CONFLICT' || this.kind === 'UNAVAILABLE';
  }
}

const chaincodeMessage = new RegExp(`\\[(${CHAINCODE_ERROR_CODES.join('|')})\\] ([^\\n]*)`);

interface GatewayLikeError {
  readonly message: string;
  readonly code?: number;
  readonly details?: readonly { readonly message: string }[];
  readonly transactionId?: string;
  readonly status?: { readonly code: number; readonly name?: string } | number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Maps an error from `@hyperledger/fabric-gateway` (EndorseError, SubmitError, CommitStatusError, CommitError,
 * GatewayError) to a {@link LedgerError}. The chaincode's message is looked for in the error details first
 * (Endorse/Submit put it there) and then in the message (Evaluate puts it there).
 */
export function toLedgerError(error: unknown): LedgerError {
  if (error instanceof LedgerError) {
    return error;
  }
  const source: GatewayLikeError = isObject(error)
    ? (error as unknown as GatewayLikeError)
    : { message: String(error) };
  const transactionId = typeof source.transactionId === 'string' ? source.transactionId : undefined;
  const texts = [...(source.details ?? []).map((detail) => detail.message), source.message];
  for (const text of texts) {
    const match = chaincodeMessage.exec(text);
    if (match) {
      return new LedgerError(match[1] as ChaincodeErrorCode, match[2] ?? '', transactionId);
    }
  }
  const commitCode = isObject(source.status) ? source.status.code : undefined;
  if (
    commitCode === 11 ||
    commitCode === 12 ||
    /MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/.test(source.message)
  ) {
    return new LedgerError('MVCC_CONFLICT', source.message, transactionId);
  }
  if (source.code === GrpcStatus.UNAVAILABLE || source.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new LedgerError('UNAVAILABLE', source.message, transactionId);
  }
  const detail = texts.filter(Boolean).join('; ');
  return new LedgerError('FAILED', detail, transactionId);
}
