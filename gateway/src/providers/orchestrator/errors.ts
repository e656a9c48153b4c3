import { ServiceError } from '../../errors';
import type { ProviderFailureKind } from '../transport';

/** One provider call of a request, as a status API and an error show it: never key bytes. */
export interface AttemptRecord {
  readonly providerId: string;
  /** Produced the answer, or checked a generated data key. */
  readonly role: 'producer' | 'verifier';
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: {
    /** The transport's failure kind, or `byzantine`: its data key did not match its own ciphertext. */
    readonly kind: ProviderFailureKind | 'byzantine';
    readonly problem?: string;
    readonly message: string;
  };
}

/** Every provider tried failed (or the deadline passed first). Lists the attempts so an operator sees why. */
export class OrchestrationError extends ServiceError {
  readonly attempts: readonly AttemptRecord[];

  constructor(message: string, attempts: readonly AttemptRecord[]) {
    super({ message, problemType: 'unavailable', extensions: { attempts } });
    this.attempts = attempts;
  }
}

/** The caller's own signal aborted the request: nothing is said of the providers. */
export class RequestCancelledError extends ServiceError {
  constructor() {
    super({ message: 'the request was cancelled by its caller', problemType: 'request-timeout' });
  }
}
