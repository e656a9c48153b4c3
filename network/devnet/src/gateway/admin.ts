import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { msp as mspProtos } from '@hyperledger/fabric-protos';
import { signMessage } from '../msp/ecdsa';
import type { MspManager } from '../msp/types';

/**
 * The devnet's admin endpoint: HTTP on 127.0.0.1, JSON bodies, every request signed by an organisation
 * admin. Headers: `x-devnet-identity` = base64 `msp.SerializedIdentity` of an identity whose certificate
 * has NodeOU `admin`; `x-devnet-signature` = base64 DER ECDSA (SHA-256) over the exact body bytes. The body
 * carries `timestamp` (epoch ms) which must be within five minutes of the server's clock.
 *
 * Routes: POST /status → status object; POST /deploy {name, source, policy?, collections?, inspect?} →
 * chaincode definition.
 */
export interface AdminHandlers {
  status(): Promise<unknown> | unknown;
  deploy(request: DeployRequest): Promise<unknown>;
}

export interface DeployRequest {
  readonly name: string;
  readonly source: string;
  readonly policy?: string;
  /** Collections config JSON text. */
  readonly collections?: string;
  readonly inspect?: boolean | number;
}

const MAX_SKEW_MS = 5 * 60_000;
const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'request too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function authenticate(msp: MspManager, request: http.IncomingMessage, body: Buffer): string {
  const identityHeader = request.headers['x-devnet-identity'];
  const signatureHeader = request.headers['x-devnet-signature'];
  if (typeof identityHeader !== 'string' || typeof signatureHeader !== 'string') {
    throw new HttpError(
      401,
      'request must be signed by an organisation admin (x-devnet-identity, x-devnet-signature)',
    );
  }
  let identity;
  try {
    identity = msp.deserializeIdentity(Buffer.from(identityHeader, 'base64'));
  } catch (err) {
    throw new HttpError(403, `identity is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (identity.role !== 'admin') throw new HttpError(403, `identity of ${identity.mspId} is not an admin`);
  if (!msp.verify(identity, body, Buffer.from(signatureHeader, 'base64')))
    throw new HttpError(403, 'signature is not valid');
  return identity.mspId;
}

/** Starts the admin endpoint; resolves with the server and its port. */
export async function startAdminServer(
  msp: MspManager,
  handlers: AdminHandlers,
  port: number,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((request, response) => {
    const reply = (status: number, value: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    void (async () => {
      try {
        if (request.method !== 'POST') throw new HttpError(405, 'use POST');
        const body = await readBody(request);
        authenticate(msp, request, body);
        const parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        const timestamp = typeof parsed.timestamp === 'number' ? parsed.timestamp : 0;
        if (Math.abs(Date.now() - timestamp) > MAX_SKEW_MS)
          throw new HttpError(403, 'request timestamp is too old or in the future');
        if (request.url === '/status') {
          reply(200, await handlers.status());
        } else if (request.url === '/deploy') {
          if (typeof parsed.name !== 'string' || typeof parsed.source !== 'string') {
            throw new HttpError(400, 'deploy needs name and source');
          }
          reply(200, await handlers.deploy(parsed as unknown as DeployRequest));
        } else {
          throw new HttpError(404, `no route ${request.url ?? ''}`);
        }
      } catch (err) {
        const status = err instanceof HttpError ? err.status : err instanceof SyntaxError ? 400 : 500;
        reply(status, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Calls the admin endpoint as `mspId`'s admin (certificate and key read from the given PEM files). */
export async function callAdmin(
  port: number,
  route: '/status' | '/deploy',
  body: Record<string, unknown>,
  admin: { mspId: string; certPath: string; keyPath: string },
  timeoutMs = 120_000,
): Promise<unknown> {
  const [certPem, keyPem] = await Promise.all([
    fs.readFile(admin.certPath, 'utf8'),
    fs.readFile(admin.keyPath, 'utf8'),
  ]);
  const identity = new mspProtos.SerializedIdentity();
  identity.setMspid(admin.mspId);
  identity.setIdBytes(Buffer.from(certPem));
  const payload = Buffer.from(JSON.stringify({ ...body, timestamp: Date.now() }));
  const signature = signMessage(createPrivateKey(keyPem), payload);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: route,
        method: 'POST',
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          'x-devnet-identity': Buffer.from(identity.serializeBinary()).toString('base64'),
          'x-devnet-signature': Buffer.from(signature).toString('base64'),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            value = { error: text };
          }
          if ((response.statusCode ?? 500) >= 400) {
            const message = (value as { error?: string }).error ?? `HTTP ${response.statusCode ?? '?'}`;
            reject(new Error(message));
          } else resolve(value);
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('admin request timed out')));
    request.on('error', reject);
    request.end(payload);
  });
}

/** Reads a JSON file, or undefined if it does not exist. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
