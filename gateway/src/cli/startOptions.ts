import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../command';
import type { LocalStackOptions } from '../stack';

/** `keyledger start`'s options as typed, before any check. */
export interface StartFlags {
  readonly data?: string;
  readonly network?: string;
  readonly connection?: string;
  readonly port?: string;
  readonly 'api-port'?: string;
}

export const DEFAULT_DATA_DIR = '.keyledger';
export const DEFAULT_CONNECTION_FILE = 'network/test-network/connection.json';

function port(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) {
    throw new UsageError({
      message: `${option} must be a port number from 0 to 65535 (0: any free port), got '${value}'`,
    });
  }
  return n;
}

/** The data folder is a directory, or can be made: its nearest existing ancestor is a writable directory. */
function checkDataDir(path: string): void {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) {
    existing = dirname(existing);
  }
  if (!statSync(existing).isDirectory()) {
    throw new UsageError({
      message: `--data ${path}: ${existing === path ? 'is' : `${existing} is`} a file, not a directory`,
    });
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new UsageError({ message: `--data ${path}: ${existing} is not writable`, cause: error });
  }
}

/**
 * Checks every option of `keyledger start` before anything starts (a typo in a port used to surface only after
 * the ledger and the agents had run), and turns them into the stack's options. Each message names its option.
 */
export function startOptionsFrom(
  flags: StartFlags,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): LocalStackOptions {
  const envConnection = env['KEYLEDGER_CONNECTION'] || undefined;
  const network = flags.network ?? (envConnection !== undefined ? 'fabric' : 'devnet');
  if (network !== 'devnet' && network !== 'fabric') {
    throw new UsageError({ message: `--network must be devnet or fabric, got '${network}'` });
  }
  const dataDir = resolve(cwd, flags.data ?? DEFAULT_DATA_DIR);
  if (flags.data === '') {
    throw new UsageError({ message: '--data must name a directory' });
  }
  checkDataDir(dataDir);
  const apiPort = port(flags['api-port'], '--api-port', 8080);
  if (network === 'devnet') {
    if (flags.connection !== undefined) {
      throw new UsageError({
        message: '--connection is for --network fabric; the devnet makes its own connection file',
      });
    }
    const devnetPort = port(flags.port, '--port', 7051);
    if (devnetPort !== 0 && devnetPort === apiPort) {
      throw new UsageError({
        message: `--port and --api-port are both ${apiPort}: they need different ports`,
      });
    }
    return { dataDir, network, devnetPort, apiPort };
  }
  if (flags.port !== undefined) {
    throw new UsageError({
      message: "--port is the devnet's port; with --network fabric the connection file names the peer",
    });
  }
  const given = flags.connection ?? envConnection;
  const connectionFile = resolve(cwd, given ?? DEFAULT_CONNECTION_FILE);
  if (!existsSync(connectionFile) || !statSync(connectionFile).isFile()) {
    const source =
      flags.connection !== undefined
        ? '--connection'
        : given !== undefined
          ? 'KEYLEDGER_CONNECTION'
          : '--connection (default)';
    throw new UsageError({
      message: `${source}: no connection file at ${connectionFile}${given === undefined ? ': bring up network/test-network first (network/test-network/network.sh up createChannel deployCC) or name one with --connection FILE' : ''}`,
    });
  }
  return { dataDir, network, connectionFile, apiPort };
}
