import * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';

/** The devnet cannot listen where it was told to: the port is taken. */
export class PortInUseError extends Error {
  readonly port: number;
  readonly host: string;

  constructor(options: Readonly<{ port: number; host: string; cause?: unknown }>) {
    super(
      `port ${options.port} on ${options.host} is in use: choose another with --port (the \`port\` option of startDevnet), or stop what listens there`,
      options.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.name = 'PortInUseError';
    this.port = options.port;
    this.host = options.host;
  }
}

/** Any other failure to listen. */
export class ListenError extends Error {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super(options.message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ListenError';
  }
}

/**
 * Tries the port with a plain socket first: grpc-js reports a port in use by printing its own error line
 * ("E No address added out of total 1 resolved") to stderr before it fails, which a person reads as a second,
 * cryptic error beside the devnet's clear one.
 */
async function ensureFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new PortInUseError({ port, host, cause: err })
          : err,
      ),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Binds a gRPC server on host:port (0 picks a free port); resolves with the port bound. */
export async function bindServer(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  await ensureFree(host, port);
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, bound) =>
      err
        ? reject(
            /EADDRINUSE/.test(err.message)
              ? new PortInUseError({ port, host, cause: err })
              : new ListenError({ message: `cannot listen on ${host}:${port}: ${err.message}`, cause: err }),
          )
        : resolve(bound),
    );
  });
}
