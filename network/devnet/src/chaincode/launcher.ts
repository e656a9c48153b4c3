import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, promises as fs, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
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
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The end of what this launch wrote to the log file (for error messages). */
  logTail(maxChars?: number): Promise<string>;
}

const DEFAULT_INSPECTOR_PORT = 9229;

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
  };
  if (spec.tls) Object.assign(env, await writeTlsFiles(spec.tlsDir, spec.tls));
  if (spec.env) Object.assign(env, spec.env);

  const nodeArgs: string[] = [];
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

  const logFd = openSync(spec.logFile, 'a');
  const logStart = statSync(spec.logFile).size;
  writeSync(
    logFd,
    `\n=== ${new Date().toISOString()} launching ${spec.ccid}: ${process.execPath} ${args.join(' ')}\n`,
  );
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { cwd: spec.path, env, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
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
  return {
    pid,
    exited,
    get hasExited(): boolean {
      return hasExited;
    },
    async stop(graceMs = 3000): Promise<void> {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async logTail(maxChars = 4000): Promise<string> {
      try {
        const content = await fs.readFile(spec.logFile);
        const text = content.subarray(logStart).toString('utf8');
        return text.length > maxChars ? text.slice(text.length - maxChars) : text;
      } catch {
        return '';
      }
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
