/** Why a front-end cannot encrypt or decrypt a message; `code` lets the REST API choose a status. */
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

export class KeyUnavailableError extends Error {
  readonly code: KeyUnavailableCode;
  readonly queueId: string;
  readonly version?: number;

  constructor(code: KeyUnavailableCode, queueId: string, message: string, version?: number) {
    super(message);
    this.name = 'KeyUnavailableError';
    this.code = code;
    this.queueId = queueId;
    this.version = version;
  }
}

/** A rotation this agent cannot propose as things stand (e.g. a front-end has not published its key). */
export class RotationPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationPreconditionError';
  }
}
