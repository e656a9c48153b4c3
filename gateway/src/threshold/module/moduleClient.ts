import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { PROBLEM_TYPE_NAMES } from '../../api/problem';
import type { ProblemType } from '../../errors';
import { certificateFingerprint } from '../../fabric';
import { requestJson } from '../../participant/jsonRequest';
import { ModuleCallError } from '../errors';
import type { ModulePeerClient } from './context';

/** What a client needs of a module's ledger record: where it is and the TLS certificate it must present. */
export interface ModuleEndpoint {
  readonly moduleId: string;
  readonly endpoint?: string;
  readonly tlsCertificatePem?: string;
}

/** The caller's TLS client identity: its Fabric member certificate and key (an orchestrator or a module). */
export interface ModuleClientIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ModuleClientOptions {
  readonly module: ModuleEndpoint;
  readonly identity: ModuleClientIdentity;
  /** Connections kept to the module (default 16), reused (keep-alive). */
  readonly maxSockets?: number;
  /** Used when a call gives neither a signal nor a timeout (default 10 s). */
  readonly defaultTimeoutMs?: number;
}

const PROBLEM_PREFIX = 'urn:keyledger:problem:';
const KNOWN_PROBLEMS: ReadonlySet<string> = new Set(PROBLEM_TYPE_NAMES);
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A security module over HTTPS with mutual TLS, as an orchestrator (the gateway) or a peer module calls it. The
 * module must present exactly the certificate it registered on the ledger (pinned by SHA-256 fingerprint; no CA or
 * host name is trusted instead); the caller presents its Fabric member certificate, which the module checks
 * against the ledger's members with role orchestrator or module.
 */
export function openModuleClient(options: ModuleClientOptions): ModulePeerClient {
  return new ModuleClient(options);
}

class ModuleClient implements ModulePeerClient {
  readonly moduleId: string;
  readonly #endpoint: string;
  readonly #agent: Agent;
  readonly #defaultTimeoutMs: number;

  constructor(options: ModuleClientOptions) {
    const { module, identity } = options;
    if (!module.endpoint || !module.tlsCertificatePem) {
      throw new ModuleCallError({
        moduleId: module.moduleId,
        kind: 'connection',
        message: 'its ledger record has no endpoint and TLS certificate to call and pin',
      });
    }
    this.moduleId = module.moduleId;
    this.#endpoint = module.endpoint.replace(/\/+$/, '');
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
    const pinned = certificateFingerprint(module.tlsCertificatePem);
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      ca: module.tlsCertificatePem,
      cert: identity.certPem,
      key: identity.keyPem,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
        const presented = cert.raw ? certificateFingerprint(new X509Certificate(cert.raw).toString()) : '';
        return presented === pinned
          ? undefined
          : new Error(`the server's certificate is not the one registered for module ${module.moduleId}`);
      },
    });
  }

  call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<T> {
    const deadline = AbortSignal.timeout(options.timeoutMs ?? this.#defaultTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const url = new URL(path.replace(/^\/+/, ''), `${this.#endpoint}/`);
    return requestJson<T>(
      { agent: this.#agent, url, method, body, signal, maxAnswerBytes: MAX_ANSWER_BYTES },
      {
        failure: (kind, message, cause, status) =>
          new ModuleCallError({
            moduleId: this.moduleId,
            kind,
            message,
            cause,
            ...(status === undefined ? {} : { status }),
          }),
        refusal: (status, text) => this.#problem(status, text),
      },
    );
  }

  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }

  #problem(status: number, text: string): ModuleCallError {
    let detail = `answered ${status}`;
    let problem: ProblemType | undefined;
    let extensions: Record<string, unknown> = {};
    try {
      const document = JSON.parse(text) as { type?: unknown; detail?: unknown } & Record<string, unknown>;
      const standard = new Set(['type', 'title', 'status', 'detail', 'instance']);
      extensions = Object.fromEntries(Object.entries(document).filter(([name]) => !standard.has(name)));
      const name = typeof document.type === 'string' ? document.type.replace(PROBLEM_PREFIX, '') : '';
      problem = KNOWN_PROBLEMS.has(name) ? (name as ProblemType) : undefined;
      if (typeof document.detail === 'string') {
        detail = document.detail;
      }
    } catch {
      // A body that is not a problem document: the status says enough.
    }
    return new ModuleCallError({
      moduleId: this.moduleId,
      kind: status >= 500 ? 'server' : 'refused',
      status,
      message: detail,
      ...(problem ? { moduleProblem: problem } : {}),
      problemExtensions: extensions,
    });
  }
}
