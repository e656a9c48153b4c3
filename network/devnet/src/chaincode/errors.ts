import { ChaincodeExecutionError } from './types';

/** Raised when a chaincode cannot be started or reached: program missing, exited or silent at startup, server unreachable. */
export class ChaincodeLaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChaincodeLaunchError';
  }
}

/**
 * An invocation found its chaincode not running and could not (re)launch it: the launch failed, or earlier launches
 * failed and the back-off has not expired. The message starts as Fabric's `could not launch chaincode <ccid>`.
 */
export class ChaincodeUnavailableError extends ChaincodeExecutionError {
  readonly chaincodeName: string;
  /** When the back-off refused the launch: how long until the next attempt may start. */
  readonly retryAfterMs?: number;

  constructor(
    options: Readonly<{ message: string; chaincodeName: string; retryAfterMs?: number; cause?: unknown }>,
  ) {
    super(options.message, { cause: options.cause, phase: 'launch' });
    this.name = 'ChaincodeUnavailableError';
    this.chaincodeName = options.chaincodeName;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}
