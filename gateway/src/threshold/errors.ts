import { ServiceError, type ProblemType } from '../errors';

/**
 * Why a call to a security module failed:
 * - `connection`: no answer (refused, reset, TLS failure, a certificate that is not the registered one);
 * - `timeout`: no answer in time;
 * - `server`: a 5xx answer, or a body that is not JSON;
 * - `refused`: a 4xx answer — the module worked and said no (forbidden, invalid-request, not-found, …).
 */
export type ModuleFailureKind = 'connection' | 'timeout' | 'server' | 'refused';

export interface ModuleCallErrorOptions {
  readonly moduleId: string;
  readonly kind: ModuleFailureKind;
  readonly message: string;
  /** The module's problem type, when it answered with a problem document of a known type. */
  readonly moduleProblem?: ProblemType;
  /** The module's HTTP status, when it answered. */
  readonly status?: number;
  readonly problemExtensions?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** A module call that did not succeed. Its message never holds share bytes. */
export class ModuleCallError extends ServiceError {
  readonly moduleId: string;
  readonly kind: ModuleFailureKind;
  readonly moduleProblem?: ProblemType;
  readonly status?: number;
  /** The other members of the module's problem document (ids, cheaters — never secrets). */
  readonly problemExtensions: Readonly<Record<string, unknown>>;

  constructor(options: Readonly<ModuleCallErrorOptions>) {
    const refused = options.kind === 'refused' && options.moduleProblem !== undefined;
    super({
      message: `module ${options.moduleId}: ${options.message}`,
      problemType: refused ? (options.moduleProblem as ProblemType) : 'unavailable',
      extensions: { moduleId: options.moduleId },
      cause: options.cause,
    });
    this.moduleId = options.moduleId;
    this.kind = options.kind;
    this.moduleProblem = options.moduleProblem;
    this.status = options.status;
    this.problemExtensions = options.problemExtensions ?? {};
  }
}

/** A share the store does not hold, or a key id / epoch it cannot name. */
export class ShareStoreError extends ServiceError {
  readonly keyId: string;
  readonly epoch: number;

  constructor(
    options: Readonly<{
      keyId: string;
      epoch: number;
      message: string;
      problemType: ProblemType;
      cause?: unknown;
    }>,
  ) {
    super({
      message: options.message,
      problemType: options.problemType,
      extensions: { keyId: options.keyId, epoch: options.epoch },
      cause: options.cause,
    });
    this.keyId = options.keyId;
    this.epoch = options.epoch;
  }
}

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
