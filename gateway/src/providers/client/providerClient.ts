import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { PROBLEM_TYPE_NAMES } from '../../api/problem';
import type { ProblemType } from '../../errors';
import { certificateFingerprint } from '../../fabric';
import { requestJson } from '../../participant/jsonRequest';
import { ProviderCallError, type CallOptions, type ProviderTransport } from '../transport';
import {
  PROVIDER_PATHS,
  type DecryptRequest,
  type DecryptResponse,
  type EncryptRequest,
  type EncryptResponse,
  type ExportKeyRequest,
  type ExportKeyResponse,
  type GenerateDataKeyRequest,
  type GenerateDataKeyResponse,
  type HeldKey,
  type ImportKeyRequest,
  type ProviderHealth,
  type ReEncryptRequest,
  type ReEncryptResponse,
} from '../wire';

/** What the client needs of a provider's on-chain profile: where it is and which certificate it must present. */
export interface ProviderEndpoint {
  readonly providerId: string;
  readonly endpoint: string;
  readonly certificatePem?: string;
}

/** The caller's TLS client identity: a certificate whose fingerprint is a registered orchestrator member. */
export interface ClientTlsIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ProviderClientOptions {
  readonly provider: ProviderEndpoint;
  readonly identity: ClientTlsIdentity;
  /** Connections kept per provider (default 64); idle ones are reused (keep-alive). */
  readonly maxSockets?: number;
  /** Used when a call has no signal of its own (default 10 s). */
  readonly defaultTimeoutMs?: number;
}

const PROBLEM_PREFIX = 'urn:keyledger:problem:';
const KNOWN_PROBLEMS: ReadonlySet<string> = new Set(PROBLEM_TYPE_NAMES);
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Fault injection of a provider started with --allow-fault-injection. */
export interface ProviderFaults {
  readonly latencyMs?: number;
  readonly byzantine?: boolean;
}

/**
 * A provider over HTTPS with mutual TLS. The server must present exactly the certificate registered in its
 * on-chain profile (pinned by SHA-256 fingerprint; no CA, no host name is trusted instead), and this client
 * presents the caller's certificate, which the provider checks against the ledger's orchestrators. Connections
 * are kept alive: a handshake per request would cost more than the HSM work.
 */
export class ProviderClient implements ProviderTransport {
  readonly providerId: string;
  readonly endpoint: string;
  readonly #agent: Agent;
  readonly #defaultTimeoutMs: number;

  constructor(options: ProviderClientOptions) {
    const { provider, identity } = options;
    if (!provider.certificatePem) {
      throw new ProviderCallError({
        providerId: provider.providerId,
        kind: 'connection',
        message: 'its profile has no TLS certificate to pin',
      });
    }
    this.providerId = provider.providerId;
    this.endpoint = provider.endpoint.replace(/\/+$/, '');
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
    const pinned = certificateFingerprint(provider.certificatePem);
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      ca: provider.certificatePem,
      cert: identity.certPem,
      key: identity.keyPem,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
        const presented = cert.raw ? certificateFingerprint(new X509Certificate(cert.raw).toString()) : '';
        return presented === pinned
          ? undefined
          : new Error(`the server's certificate is not the one registered for ${provider.providerId}`);
      },
    });
  }

  generateDataKey(body: GenerateDataKeyRequest, options?: CallOptions): Promise<GenerateDataKeyResponse> {
    return this.#call('POST', PROVIDER_PATHS.generateDataKey, body, options);
  }

  encrypt(body: EncryptRequest, options?: CallOptions): Promise<EncryptResponse> {
    return this.#call('POST', PROVIDER_PATHS.encrypt, body, options);
  }

  decrypt(body: DecryptRequest, options?: CallOptions): Promise<DecryptResponse> {
    return this.#call('POST', PROVIDER_PATHS.decrypt, body, options);
  }

  reEncrypt(body: ReEncryptRequest, options?: CallOptions): Promise<ReEncryptResponse> {
    return this.#call('POST', PROVIDER_PATHS.reEncrypt, body, options);
  }

  health(options?: CallOptions): Promise<ProviderHealth> {
    return this.#call('GET', PROVIDER_PATHS.health, undefined, options);
  }

  listKeys(options?: CallOptions): Promise<HeldKey[]> {
    return this.#call('GET', PROVIDER_PATHS.keys, undefined, options);
  }

  createKey(keyId: string, options?: CallOptions): Promise<HeldKey> {
    return this.#call('POST', PROVIDER_PATHS.keys, { keyId }, options);
  }

  exportKey(keyId: string, body: ExportKeyRequest, options?: CallOptions): Promise<ExportKeyResponse> {
    return this.#call('POST', PROVIDER_PATHS.exportKey(keyId), body, options);
  }

  importKey(keyId: string, body: ImportKeyRequest, options?: CallOptions): Promise<HeldKey> {
    return this.#call('POST', PROVIDER_PATHS.importKey(keyId), body, options);
  }

  /** Sets injected faults (only a provider started with --allow-fault-injection accepts it). */
  setFaults(faults: ProviderFaults, options?: CallOptions): Promise<Required<ProviderFaults>> {
    return this.#call('POST', '/v1/faults', faults, options);
  }

  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }

  #call<T>(method: 'GET' | 'POST', path: string, body: unknown, options?: CallOptions): Promise<T> {
    const signal = options?.signal ?? AbortSignal.timeout(this.#defaultTimeoutMs);
    const url = new URL(path, `${this.endpoint}/`);
    return requestJson<T>(
      { agent: this.#agent, url, method, body, signal, maxAnswerBytes: MAX_ANSWER_BYTES },
      {
        failure: (kind, message, cause, status) =>
          new ProviderCallError({
            providerId: this.providerId,
            kind,
            message,
            cause,
            ...(status === undefined ? {} : { status }),
          }),
        refusal: (status, text) => this.#problem(status, text),
      },
    );
  }

  #problem(status: number, text: string): ProviderCallError {
    let detail = `answered ${status}`;
    let problem: ProblemType | undefined;
    try {
      const document = JSON.parse(text) as { type?: unknown; detail?: unknown };
      const name = typeof document.type === 'string' ? document.type.replace(PROBLEM_PREFIX, '') : '';
      problem = KNOWN_PROBLEMS.has(name) ? (name as ProblemType) : undefined;
      if (typeof document.detail === 'string') {
        detail = document.detail.replace(new RegExp(`^provider ${this.providerId}: `), '');
      }
    } catch {
      // A body that is not a problem document: the status says enough.
    }
    return new ProviderCallError({
      providerId: this.providerId,
      kind: status >= 500 ? 'server' : 'refused',
      status,
      message: detail,
      ...(problem ? { providerProblem: problem } : {}),
    });
  }
}
