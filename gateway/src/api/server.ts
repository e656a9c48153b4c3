import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { ProblemType } from '../errors';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TITLES, problemTypeUri } from './problem';

export interface ApiTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** CA(s) that issue client certificates; required for mTLS. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Ask clients for a certificate (mTLS). Clients without one can still use a bearer token. */
  readonly requestCert?: boolean;
}

export interface ApiServerOptions {
  readonly app: Express;
  /** Default 127.0.0.1: the API listens on loopback unless told otherwise. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly tls?: ApiTlsOptions;
  /** Longest time to receive a whole request (default 30 s). */
  readonly requestTimeoutMs?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/** The path of the request line Node's parser refused, shortened; undefined when it has none. */
function refusedPath(rawPacket: Buffer | undefined): string | undefined {
  const line = rawPacket?.subarray(0, 4096).toString('latin1').split('\r\n', 1)[0] ?? '';
  const target = /^\S+ (\S+)/.exec(line)?.[1];
  if (target === undefined) {
    return undefined;
  }
  const path = target.split('?')[0] ?? target;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/**
 * A problem+json answer for requests Node's HTTP parser refuses before express sees them: the same document as
 * every other error (type, title, status, detail, instance when the request line was readable, requestId).
 */
function rawProblem(
  status: keyof typeof REASON,
  type: ProblemType,
  detail: string,
  instance: string | undefined,
): string {
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: problemTypeUri(type),
    title: PROBLEM_TITLES[type],
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    requestId,
  });
  return (
    `HTTP/1.1 ${status} ${REASON[status]}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${requestId}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** What to answer for a parser error: a request line too long is a 414, other oversized headers a 431. */
function answerFor(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): string {
  const instance = refusedPath(error.rawPacket);
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const firstLineEnd = error.rawPacket?.indexOf('\r\n') ?? -1;
      return firstLineEnd === -1 || firstLineEnd > 8 * 1024
        ? rawProblem(414, 'uri-too-long', 'the request URI is too long (at most 8 KiB)', instance)
        : rawProblem(431, 'headers-too-large', 'the request headers are too large', instance);
    }
    case 'HPE_URI_TOO_LONG':
      return rawProblem(414, 'uri-too-long', 'the request URI is too long (at most 8 KiB)', instance);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawProblem(408, 'request-timeout', 'the request was not received in time', instance);
    case 'HPE_INVALID_METHOD':
      return rawProblem(
        400,
        'invalid-request',
        'the request method is not an HTTP method this API knows',
        instance,
      );
    default:
      return rawProblem(400, 'invalid-request', 'the request is not valid HTTP/1.1', instance);
  }
}

/**
 * Serves the app over HTTP, or HTTPS when `tls` is given. With `tls.requestCert` the server asks for a
 * client certificate and verifies it against `tls.ca`; the app maps a verified certificate's SHA-256
 * fingerprint to a ledger identity. Unverified certificates are not refused at the handshake, so a client
 * with a bearer token still gets in; they simply authenticate nobody.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca as string | Buffer | (string | Buffer)[] } : {}),
          requestCert: tls.requestCert ?? false,
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
        },
        options.app,
      )
    : createHttpServer(options.app);
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(server.requestTimeout, 20_000);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(answerFor(error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${hostPart}:${address.port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 2_000);
        timer.unref();
      }),
  };
}
