import * as path from 'node:path';
import type { DevnetOwner } from '../process/owner';

/** Options of a devnet; every field has a default (see DEFAULT_OPTIONS). */
export interface DevnetOptions {
  /** Data folder: crypto material, ledger, chaincode registry, logs, connection file. */
  readonly dataDir: string;
  /** Number of organisations (Org1MSP…OrgNMSP). */
  readonly orgs: number;
  /** gRPC port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly channelId: string;
  /** Maximum transactions per block (Fabric BatchSize.MaxMessageCount). */
  readonly batchSize: number;
  /** Fabric BatchTimeout, in ms: longest a transaction waits while a block is being committed. */
  readonly batchTimeoutMs: number;
  /** Cut a block at once when the pipeline is idle (low latency); false = Fabric's size/timeout only. */
  readonly cutWhenIdle: boolean;
  /** Serve gRPC without TLS. */
  readonly plaintext: boolean;
  /** Port of the admin HTTP endpoint on 127.0.0.1 (deploy/status); 0 picks a free one. */
  readonly adminPort: number;
  /**
   * The program this devnet runs inside, when it is not `devnet start` — e.g. `{ name: 'KeyLedger stack', includes:
   * 'ledger, agents and API' }`. Kept in the pid file: `devnet stop` then says what it stopped, `devnet status`
   * names it.
   */
  readonly owner?: DevnetOwner;
  /** Progress of start-up steps, for people watching. */
  readonly progress?: (step: string) => void;
  /** Log lines (invalid transactions, chaincode launches), control characters escaped. */
  readonly log?: (line: string) => void;
  /**
   * Size cap of each log file — `logs/devnet.log` and `logs/chaincode/<name>.log` — before it is rotated to
   * `<file>.1` (default 10 MiB; one rotated file is kept).
   */
  readonly logMaxBytes?: number;
}

export const DEFAULT_OPTIONS: Omit<DevnetOptions, 'dataDir'> = {
  orgs: 3,
  port: 7051,
  channelId: 'mychannel',
  batchSize: 500,
  batchTimeoutMs: 2000,
  cutWhenIdle: true,
  plaintext: false,
  adminPort: 0,
};

/** Where the KeyLedger stack (`npm start`) keeps its devnet, so that `devnet status` describes that ledger by default. */
export const DEFAULT_DATA_DIR = path.join('.keyledger', 'devnet');

/** Fills in defaults and validates. */
export function resolveOptions(options: Partial<DevnetOptions> = {}): DevnetOptions {
  const resolved: DevnetOptions = {
    ...DEFAULT_OPTIONS,
    ...stripUndefined(options),
    dataDir: path.resolve(options.dataDir ?? DEFAULT_DATA_DIR),
  };
  const checks: [boolean, string][] = [
    [
      Number.isInteger(resolved.orgs) && resolved.orgs >= 1 && resolved.orgs <= 99,
      'orgs must be an integer from 1 to 99',
    ],
    [
      Number.isInteger(resolved.port) && resolved.port >= 0 && resolved.port <= 65535,
      'port must be 0..65535',
    ],
    [
      Number.isInteger(resolved.batchSize) && resolved.batchSize >= 1,
      'batch size must be a positive integer',
    ],
    [
      Number.isFinite(resolved.batchTimeoutMs) && resolved.batchTimeoutMs >= 0,
      'batch timeout must be ≥ 0 ms',
    ],
    [/^[a-z][a-z0-9.-]*$/.test(resolved.channelId), 'channel id must be lower case letters, digits, . and -'],
  ];
  for (const [ok, message] of checks) if (!ok) throw new Error(`invalid devnet option: ${message}`);
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Files and folders inside the data folder. */
export function dataPaths(dataDir: string): {
  ledger: string;
  logs: string;
  chaincodeLogs: string;
  registry: string;
  connection: string;
  runtime: string;
} {
  return {
    ledger: path.join(dataDir, 'ledger'),
    logs: path.join(dataDir, 'logs'),
    chaincodeLogs: path.join(dataDir, 'logs', 'chaincode'),
    registry: path.join(dataDir, 'chaincodes.json'),
    connection: path.join(dataDir, 'connection.json'),
    runtime: path.join(dataDir, 'devnet.pid.json'),
  };
}
