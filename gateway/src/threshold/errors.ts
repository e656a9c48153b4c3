import { ServiceError, type ProblemType } from '../errors';

/**
 * Why a module or a coordinator refused a protocol step. Each is raised before any secret value is used or sent.
 */
export type ThresholdRefusalCode =
  /** The session is not open on the ledger (closed, expired, unknown) or is of another kind. */
  | 'session-not-open'
  /** The message does not hash to the digest the ledger opened the session for. */
  | 'message-mismatch'
  /** This module is not in the session's eligible set, or not its coordinator. */
  | 'not-eligible'
  /** The module holds no share of the key for the epoch asked for (never accepted, or already forgotten). */
  | 'no-share'
  /** A ceremony step out of order or for an unknown ceremony. */
  | 'ceremony-state'
  /** The ledger's commitments do not match what this module computed. */
  | 'commitment-mismatch'
  /** Old shares may be forgotten only after every module acknowledged the new epoch on the ledger. */
  | 'not-acknowledged';

const STATUS: Readonly<Record<ThresholdRefusalCode, ProblemType>> = {
  'session-not-open': 'conflict',
  'message-mismatch': 'invalid-request',
  'not-eligible': 'forbidden',
  'no-share': 'conflict',
  'ceremony-state': 'conflict',
  'commitment-mismatch': 'conflict',
  'not-acknowledged': 'conflict',
};

export class ThresholdRefusalError extends ServiceError {
  readonly code: ThresholdRefusalCode;

  constructor(options: Readonly<{ code: ThresholdRefusalCode; message: string; cause?: unknown }>) {
    super({
      message: options.message,
      problemType: STATUS[options.code],
      extensions: { code: options.code },
      cause: options.cause,
    });
    this.code = options.code;
  }
}

/**
 * A threshold operation that could not complete: fewer than t honest modules answered, or the ledger refused.
 * It names what it knows — cheaters, late and unreachable modules — never a share or a nonce.
 */
export class ThresholdOperationError extends ServiceError {
  readonly cheaters: readonly string[];
  readonly late: readonly string[];
  readonly unreachable: readonly string[];

  constructor(
    options: Readonly<{
      message: string;
      cheaters?: readonly string[];
      late?: readonly string[];
      unreachable?: readonly string[];
      sessionId?: string;
      cause?: unknown;
    }>,
  ) {
    super({
      message: options.message,
      problemType: 'unavailable',
      extensions: {
        sessionId: options.sessionId,
        cheaters: options.cheaters ?? [],
        late: options.late ?? [],
        unreachable: options.unreachable ?? [],
      },
      cause: options.cause,
    });
    this.cheaters = options.cheaters ?? [];
    this.late = options.late ?? [];
    this.unreachable = options.unreachable ?? [];
  }
}
