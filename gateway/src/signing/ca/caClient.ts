import { request } from 'node:https';
import { CA_PATHS, revokeUrl } from './caNames';
import type { IssuedCertificate, Revocation, RevokeRequest } from './certificateAuthority';
import { CaUnavailableError } from './errors';
import type { SubjectPublicKey } from './publicKeyInput';

/** A client certificate for mutual TLS (issuing and revoking). */
export interface ClientTlsIdentity {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface CaClientOptions {
  /** The CA's id, named in errors. */
  readonly id: string;
  /** https://host:port */
  readonly baseUrl: string;
  /** The pinned CA certificate (PEM): the only root the client trusts for the CA's TLS certificate. */
  readonly caCertificatePem: string;
  /** Needed only for issue and revoke. */
  readonly clientTls?: ClientTlsIdentity;
  /** Per request, connect to last byte (default 5 s). */
  readonly timeoutMs?: number;
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** The body of an answer that was not what was asked (problem+json's detail when there is one). */
function describe(answer: Answer): string {
  try {
    const problem = JSON.parse(answer.body.toString('utf8')) as {
      detail?: string;
      errors?: { path?: string; message?: string }[];
    };
    const fields = (problem.errors ?? []).map((error) => `${error.path ?? '?'} ${error.message ?? ''}`);
    return `HTTP ${answer.status}${problem.detail ? `: ${problem.detail}` : ''}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`;
  } catch {
    return `HTTP ${answer.status}`;
  }
}

const MAX_BODY = 4 * 1024 * 1024;

/** HTTPS client of one CA service, trusting only that CA's pinned certificate. */
export class CaClient {
  readonly id: string;
  readonly baseUrl: string;
  readonly #options: CaClientOptions;

  constructor(options: Readonly<CaClientOptions>) {
    this.id = options.id;
    this.baseUrl = options.baseUrl;
    this.#options = options;
  }

  async health(timeoutMs?: number): Promise<Record<string, unknown>> {
    const answer = await this.#call('GET', CA_PATHS.health, undefined, timeoutMs);
    return this.#json(answer, 200) as Record<string, unknown>;
  }

  /** The CA's current CRL, DER. */
  async crl(timeoutMs?: number): Promise<Buffer> {
    const answer = await this.#call('GET', CA_PATHS.crl, undefined, timeoutMs);
    if (answer.status !== 200) {
      throw new CaUnavailableError(this.id, `CRL fetch answered ${describe(answer)}`);
    }
    return answer.body;
  }

  async certificatePem(): Promise<string> {
    const answer = await this.#call('GET', CA_PATHS.certificate);
    if (answer.status !== 200) {
      throw new CaUnavailableError(this.id, `certificate fetch answered ${describe(answer)}`);
    }
    return answer.body.toString('utf8');
  }

  async issue(kid: string, publicKey: SubjectPublicKey): Promise<IssuedCertificate> {
    const answer = await this.#call('POST', CA_PATHS.issue, { kid, ...publicKey });
    return this.#json(answer, 201) as IssuedCertificate;
  }

  /** Revokes a certificate the CA issued (idempotent: a second call answers the first revocation). */
  async revoke(serial: string, request: Readonly<RevokeRequest> = {}): Promise<Revocation> {
    const path = revokeUrl('', serial);
    const body = {
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.revokedAt ? { revokedAt: request.revokedAt.toISOString() } : {}),
      ...(request.invalidityDate ? { invalidityDate: request.invalidityDate.toISOString() } : {}),
    };
    return this.#json(await this.#call('POST', path, body), 200) as Revocation;
  }

  #json(answer: Answer, expected: number): unknown {
    if (answer.status !== expected) {
      throw new CaUnavailableError(this.id, `answered ${describe(answer)}`);
    }
    try {
      return JSON.parse(answer.body.toString('utf8'));
    } catch (error) {
      throw new CaUnavailableError(this.id, 'answered a body that is not JSON', error);
    }
  }

  #call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<Answer> {
    const timeout = timeoutMs ?? this.#options.timeoutMs ?? 5_000;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const tls = this.#options.clientTls;
    return new Promise<Answer>((resolve, reject) => {
      const req = request(
        new URL(path, this.baseUrl),
        {
          method,
          ca: this.#options.caCertificatePem,
          ...(tls ? { key: tls.keyPem, cert: tls.certPem } : {}),
          // One connection per call: a CA that was stopped is noticed at once, not after a pooled socket dies.
          agent: false,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) {
              req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeout} ms`)), timeout);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (error) =>
        reject(new CaUnavailableError(this.id, `${method} ${path}: ${error.message}`, error)),
      );
      req.end(payload);
    });
  }
}
