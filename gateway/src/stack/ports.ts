import { createServer } from 'node:net';

/** A port the stack cannot use, named by the option that chose it. */
export class PortInUseError extends Error {
  readonly port: number;
  readonly option: string;

  constructor(options: Readonly<{ port: number; option: string; cause?: unknown }>) {
    super(
      `port ${options.port} on 127.0.0.1 is already in use (${options.option}); stop what uses it or choose another with ${options.option} PORT`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = PortInUseError.name;
    this.port = options.port;
    this.option = options.option;
  }
}

/** The error of a failed listen, with the option that chose the port when the port was taken. */
export function portError(error: unknown, port: number, option: string): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
    ? new PortInUseError({ port, option, cause: error })
    : error;
}

/**
 * Fails fast, before anything starts, when a fixed port is taken (0, "any free port", always works). There is
 * a window between this check and the real listen, so the real listen still names the option on failure.
 */
export async function assertPortFree(port: number, option: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(error, port, option)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
