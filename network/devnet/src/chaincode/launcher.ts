import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ProcessOutputLog } from '../log/process-output';
import { ChaincodeLaunchError } from './errors';

/** Mutual TLS of a chaincode towards the devnet: the server's root CA and the chaincode's client key pair (PEM). */
export interface ChaincodeClientTls {
  readonly rootCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

/** What the chaincode process needs to dial the devnet, as a Fabric peer would pass it. */
export interface ProcessSpec {
  readonly name: string;
  readonly ccid: string;
  /** Chaincode folder (package.json with `main`); also the working directory, so the shim's module-path is right. */
  readonly path: string;
  readonly peerAddress: string;
  readonly tls?: ChaincodeClientTls;
  /** true → Node inspector on 127.0.0.1:9229; a number → that port. */
  readonly inspect?: boolean | number;
  readonly logFile: string;
  /** Size cap of the log file before it is rotated to `<logFile>.1` (default 10 MiB). */
  readonly logMaxBytes?: number;
  /** Folder for the TLS files the shim reads (the client key and cert are written base64-encoded, as the shim expects). */
  readonly tlsDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running chaincode process started by the devnet. */
export interface ChaincodeProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone and its output is logged. */
  stop(graceMs?: number): Promise<void>;
  /** The end of what this launch wrote to the log file (for error messages). */
  logTail(maxChars?: number): Promise<string>;
}

const DEFAULT_INSPECTOR_PORT = 9229;

/**
 * The shim's log level unless the devnet's own environment chooses one. fabric-shim 2.5 reads only
 * CORE_CHAINCODE_LOGGING_LEVEL (lib/logger.js; 'WARNING' maps to winston 'warn' — 'warn' itself would fall back to
 * info); a peer also sets CORE_CHAINCODE_LOGGING_SHIM (internal/peer/node/start.go), which the Go shim reads.
 * At info the shim writes a line for every transaction ("Calling chaincode …() succeeded"); at warning an
 * ordinary invocation writes nothing, an error response still logs at error.
 */
const DEFAULT_CHAINCODE_LOG_LEVEL = 'WARNING';

/** Makes the chaincode's stdout and stderr pipes blocking, so nothing it printed is lost when it stops (see the file). */
const BLOCKING_STDIO_PRELOAD = path.resolve(__dirname, '..', '..', 'preload', 'blocking-stdio.js');

/** How long to wait for the last output of a process that has exited (another process may hold its pipes). */
const OUTPUT_DRAIN_MS = 2000;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Chaincode processes must not outlive the devnet: kill whatever is still running when this process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * The shim's CLI (`fabric-chaincode-node`): the chaincode's own fabric-shim if it has one (what `npm start` would
 * run on a peer), else the devnet's.
 */
export function resolveShimCli(chaincodeFolder: string): string {
  try {
    return require.resolve('fabric-shim/cli', { paths: [chaincodeFolder] });
  } catch {
    try {
      return require.resolve('fabric-shim/cli');
    } catch {
      throw new ChaincodeLaunchError(
        `cannot find fabric-shim for chaincode in ${chaincodeFolder}: install fabric-shim (fabric-contract-api depends on it)`,
      );
    }
  }
}

/**
 * Starts `fabric-chaincode-node start --peer.address … --chaincode-id-name <ccid>` with the running Node, stdout
 * and stderr appended to the log file, environment as a Fabric peer sets it (CORE_PEER_ADDRESS,
 * CORE_CHAINCODE_ID_NAME, CORE_PEER_TLS_*).
 */
export async function startChaincodeProcess(spec: ProcessSpec): Promise<ChaincodeProcess> {
  const cli = resolveShimCli(spec.path);
  await fs.mkdir(path.dirname(spec.logFile), { recursive: true });
  const env: Record<string, string> = {
    ...stringEnv(process.env),
    CORE_CHAINCODE_ID_NAME: spec.ccid,
    CORE_PEER_ADDRESS: spec.peerAddress,
    CORE_PEER_TLS_ENABLED: spec.tls ? 'true' : 'false',
    CORE_CHAINCODE_LOGGING_LEVEL: process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? DEFAULT_CHAINCODE_LOG_LEVEL,
    CORE_CHAINCODE_LOGGING_SHIM: process.env.CORE_CHAINCODE_LOGGING_SHIM ?? DEFAULT_CHAINCODE_LOG_LEVEL,
  };
  if (spec.tls) Object.assign(env, await writeTlsFiles(spec.tlsDir, spec.tls));
  if (spec.env) Object.assign(env, spec.env);

  const nodeArgs: string[] = ['--require', BLOCKING_STDIO_PRELOAD];
  if (spec.inspect !== undefined && spec.inspect !== false) {
    const port = spec.inspect === true ? DEFAULT_INSPECTOR_PORT : spec.inspect;
    nodeArgs.push(`--inspect=127.0.0.1:${port}`);
  }
  const args = [
    ...nodeArgs,
    cli,
    'start',
    '--peer.address',
    spec.peerAddress,
    '--chaincode-id-name',
    spec.ccid,
  ];

  // piped through the devnet rather than handed the file: the devnet caps and rotates it, escapes control
  // characters and keeps the end of this launch's output for error messages
  const output = new ProcessOutputLog({ path: spec.logFile, maxBytes: spec.logMaxBytes });
  output.note(
    `\n=== ${new Date().toISOString()} launching ${spec.ccid}: ${process.execPath} ${args.join(' ')}`,
  );
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: spec.path,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output.follow(child.stdout);
  output.follow(child.stderr);
  if (child.pid === undefined) {
    throw new ChaincodeLaunchError(`failed to start chaincode ${spec.name}: no process id`);
  }
  installExitHook();
  running.add(child);
  let hasExited = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      hasExited = true;
      running.delete(child);
      resolve({ code, signal });
    };
    child.once('exit', done);
    child.once('error', () => done(null, null));
  });
  const pid = child.pid;
  /** Everything the process printed is in the log, or OUTPUT_DRAIN_MS have passed since this was asked. */
  const outputDrained = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      output.drained(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, OUTPUT_DRAIN_MS);
      }),
    ]);
    clearTimeout(timer);
  };
  return {
    pid,
    exited,
    get hasExited(): boolean {
      return hasExited;
    },
    async stop(graceMs = 3000): Promise<void> {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // what the process printed last is still in its pipes when it has exited
      await outputDrained();
    },
    async logTail(maxChars = 4000): Promise<string> {
      await outputDrained();
      const text = output.tail();
      return text.length > maxChars ? text.slice(text.length - maxChars) : text;
    },
  };
}

/** The devnet's environment minus NODE_OPTIONS (an inspector or loader meant for the devnet would clash). */
function stringEnv(source: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && key !== 'NODE_OPTIONS') result[key] = value;
  }
  return result;
}

/**
 * The shim reads the root CA PEM from CORE_PEER_TLS_ROOTCERT_FILE and the client key/cert from
 * CORE_TLS_CLIENT_KEY_PATH / CORE_TLS_CLIENT_CERT_PATH as base64 of the PEM (fabric-shim lib/handler.js Endpoint).
 */
async function writeTlsFiles(
  directory: string,
  tls: NonNullable<ProcessSpec['tls']>,
): Promise<Record<string, string>> {
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  const rootCert = path.join(directory, 'peer-root-ca.pem');
  const clientCert = path.join(directory, 'client-cert.b64');
  const clientKey = path.join(directory, 'client-key.b64');
  await fs.writeFile(rootCert, tls.rootCertPem, { mode: 0o600 });
  await fs.writeFile(clientCert, Buffer.from(tls.clientCertPem, 'utf8').toString('base64'), { mode: 0o600 });
  await fs.writeFile(clientKey, Buffer.from(tls.clientKeyPem, 'utf8').toString('base64'), { mode: 0o600 });
  return {
    CORE_PEER_TLS_ROOTCERT_FILE: rootCert,
    CORE_TLS_CLIENT_CERT_PATH: clientCert,
    CORE_TLS_CLIENT_KEY_PATH: clientKey,
  };
}
