import { ServiceError, type ProblemType } from '../errors';

/** Why a front-end cannot encrypt or decrypt a message; `code` lets a caller choose what to do. */
export type KeyUnavailableCode =
  /** The queue has no usable key version on this node yet (none committed, received, or all compromised). */
  | 'NO_USABLE_KEY'
  /** The envelope names a version this node does not hold and has not seen committed. */
  | 'UNKNOWN_VERSION'
  /** The version is older than the queue's retention; its key was destroyed. */
  | 'PAST_RETENTION'
  /** The version was committed but this node refused it (failed verification or key check value). */
  | 'REFUSED_VERSION'
  /** The version is compromised and this node is configured not to decrypt under compromised versions. */
  | 'COMPROMISED_VERSION';

export interface KeyUnavailableErrorOptions {
  readonly code: KeyUnavailableCode;
  readonly queueId: string;
  readonly message: string;
  readonly version?: number;
}

/**
 * A front-end holds no key to do what was asked. Encrypting without a usable key is a conflict with the queue's
 * state (a rotation is needed); an envelope whose key is gone or refused cannot be decrypted (422).
 */
export class KeyUnavailableError extends ServiceError {
  readonly code: KeyUnavailableCode;
  readonly queueId: string;
  readonly version?: number;

  constructor(options: KeyUnavailableErrorOptions) {
    const problemType: ProblemType = options.code === 'NO_USABLE_KEY' ? 'conflict' : 'undecryptable-envelope';
    super({
      message: options.message,
      problemType,
      extensions: {
        queueId: options.queueId,
        ...(options.version !== undefined ? { version: options.version } : {}),
      },
    });
    this.code = options.code;
    this.queueId = options.queueId;
    this.version = options.version;
  }
}

/** A rotation this agent cannot propose as things stand (e.g. a front-end has not published its key). */
export class RotationPreconditionError extends ServiceError {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super({ message: options.message, problemType: 'conflict', cause: options.cause });
  }
}

/** Bytes that are not an envelope of this format. Never quotes the bytes. */
export class EnvelopeError extends ServiceError {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super({ message: options.message, problemType: 'undecryptable-envelope', cause: options.cause });
  }
}

/** An envelope that does not authenticate under its key version (tampered, or another queue's). */
export class DecryptionError extends ServiceError {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super({ message: options.message, problemType: 'undecryptable-envelope', cause: options.cause });
  }
}
