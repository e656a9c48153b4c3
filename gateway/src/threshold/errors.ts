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
  readonly cause?: unknown;
}

/** A module call that did not succeed. Its message never holds share bytes. */
export class ModuleCallError extends ServiceError {
  readonly moduleId: string;
  readonly kind: ModuleFailureKind;
  readonly moduleProblem?: ProblemType;
  readonly status?: number;

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
