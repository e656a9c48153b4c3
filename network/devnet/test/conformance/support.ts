import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { startDevnet, type Devnet, type DevnetOptions } from '../../src';

/** The shared fixture chaincode (fabric-contract-api, plain JS): contract 'conformance'. */
export const FIXTURE_CHAINCODE = path.resolve(__dirname, '..', 'fixtures', 'chaincode');

export interface TestNetwork {
  readonly devnet: Devnet;
  readonly dataDir: string;
  /** A fabric-gateway Gateway for an org's user (1-based) or admin; closed by `close()`. */
  gateway(org?: number, role?: 'user' | 'admin'): Gateway;
  close(): Promise<void>;
}

/** Starts a devnet on a random port in a temp folder, with the fixture chaincode deployed as `chaincodeName`. */
export async function startTestNetwork(
  options: Partial<DevnetOptions> = {},
  chaincodeName = 'conformance',
  policy?: string,
): Promise<TestNetwork> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-conformance-')));
  const devnet = await startDevnet({ orgs: 3, ...options, dataDir, port: 0 });
  const closers: (() => void)[] = [];
  try {
    if (chaincodeName) await devnet.deploy(chaincodeName, FIXTURE_CHAINCODE, policy ? { policy } : {});
  } catch (err) {
    await devnet.stop();
    throw err;
  }
  return {
    devnet,
    dataDir,
    gateway(org = 1, role = 'user') {
      const connection = devnet.connection(org, role);
      const gw = connect(connection);
      const client = connection.client;
      closers.push(() => {
        gw.close();
        client.close();
      });
      return gw;
    },
    async close() {
      for (const close of closers) close();
      await devnet.stop();
      if (!options.dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads `count` items from an async iterator without closing it. */
export async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

export const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
