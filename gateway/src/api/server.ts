import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from './problem';

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

/** A problem+json answer for requests Node's HTTP parser refuses before express sees them. */
function rawProblem(status: number, title: string, detail: string): string {
  const body = JSON.stringify({
    type: problemTypeUri(status === 431 ? 'content-too-large' : 'invalid-request'),
    title,
    status,
    detail,
    instance: '',
  });
  return (
    `HTTP/1.1 ${status} ${title}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
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
    const code = (error as { code?: string }).code;
    const response =
      code === 'HPE_HEADER_OVERFLOW'
        ? rawProblem(431, 'Request Header Fields Too Large', 'the request headers are too large')
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? rawProblem(408, 'Request Timeout', 'the request was not received in time')
          : rawProblem(400, 'Bad Request', 'the request is not valid HTTP/1.1');
    socket.end(response);
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
