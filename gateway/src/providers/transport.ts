import { ServiceError, type ProblemType } from '../errors';
import type {
  DecryptRequest,
  DecryptResponse,
  EncryptRequest,
  EncryptResponse,
  ExportKeyRequest,
  ExportKeyResponse,
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
  HeldKey,
  ImportKeyRequest,
  ProviderHealth,
  ReEncryptRequest,
  ReEncryptResponse,
} from './wire';

/**
 * What the orchestrator and the key replicator need of one provider: its calls, each bounded by the caller's
 * signal. The HTTPS client (mutual TLS, pinned to the certificate registered on chain) implements it; unit tests of
 * selection may implement it in-process.
 */
export interface ProviderTransport {
  readonly providerId: string;
  generateDataKey(request: GenerateDataKeyRequest, options?: CallOptions): Promise<GenerateDataKeyResponse>;
  encrypt(request: EncryptRequest, options?: CallOptions): Promise<EncryptResponse>;
  decrypt(request: DecryptRequest, options?: CallOptions): Promise<DecryptResponse>;
  reEncrypt(request: ReEncryptRequest, options?: CallOptions): Promise<ReEncryptResponse>;
  health(options?: CallOptions): Promise<ProviderHealth>;
  listKeys(options?: CallOptions): Promise<HeldKey[]>;
  createKey(keyId: string, options?: CallOptions): Promise<HeldKey>;
  exportKey(keyId: string, request: ExportKeyRequest, options?: CallOptions): Promise<ExportKeyResponse>;
  importKey(keyId: string, request: ImportKeyRequest, options?: CallOptions): Promise<HeldKey>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** Aborts the call (the caller's deadline). */
  readonly signal?: AbortSignal;
}

/**
 * Why a call to a provider failed, as failover needs to know it:
 * - `connection`: no answer (refused, reset, TLS failure) — try another provider;
 * - `timeout`: no answer in time — try another provider;
 * - `server`: a 5xx answer — try another provider;
 * - `refused`: a 4xx answer (not-found, invalid-ciphertext, invalid-request, forbidden) — the provider worked and
 *   said no; another provider would say the same, except `not-found` (it does not hold the key).
 */
export type ProviderFailureKind = 'connection' | 'timeout' | 'server' | 'refused';

export interface ProviderCallErrorOptions {
  readonly providerId: string;
  readonly kind: ProviderFailureKind;
  readonly message: string;
  /** The provider's problem type, for `refused` and `server`. */
  readonly providerProblem?: ProblemType;
  /** The provider's HTTP status, when it answered. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** A provider call that did not succeed. Its message never holds key bytes or plaintext. */
export class ProviderCallError extends ServiceError {
  readonly providerId: string;
  readonly kind: ProviderFailureKind;
  readonly providerProblem?: ProblemType;
  readonly status?: number;

  constructor(options: Readonly<ProviderCallErrorOptions>) {
    const refused = options.kind === 'refused' && options.providerProblem !== undefined;
    super({
      message: `provider ${options.providerId}: ${options.message}`,
      problemType: refused ? (options.providerProblem as ProblemType) : 'unavailable',
      extensions: { providerId: options.providerId },
      cause: options.cause,
    });
    this.providerId = options.providerId;
    this.kind = options.kind;
    this.providerProblem = options.providerProblem;
    this.status = options.status;
  }

  /** Whether another provider might succeed where this one failed. */
  get retryable(): boolean {
    return this.kind !== 'refused' || this.providerProblem === 'not-found';
  }

  /** Whether this counts against the provider's reputation (it failed, rather than refused a bad request). */
  get providerAtFault(): boolean {
    return this.kind !== 'refused';
  }
}
