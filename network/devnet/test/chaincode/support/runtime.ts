import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ChaincodeSupport,
  type ChaincodeResult,
  type CollectionAccessCheck,
  type LaunchBackoffOptions,
} from '../../../src/chaincode';
import { MemoryLedger, type MemorySimulator } from './memory-simulator';
import { createTestPki, type TestPki } from './pki';
import { buildProposal } from './proposal';

export const CHANNEL = 'mychannel';
export const FIXTURE_PATH = path.resolve(__dirname, '../../fixtures/chaincode');
export const FUNCTION_PREFIX = 'conformance:';

export interface InvokeOptions {
  readonly transient?: Readonly<Record<string, string>>;
  readonly readOnly?: boolean;
  readonly isInit?: boolean;
  /** Commit the simulation into the ledger double when the chaincode answered 200. */
  readonly commit?: boolean;
}

export interface Invoked {
  readonly result: ChaincodeResult;
  readonly simulator: MemorySimulator;
  readonly txId: string;
  /** The payload as UTF-8 text. */
  readonly text: string;
}

/** A gRPC server on 127.0.0.1 with ChaincodeSupport.Register, a ledger double and a temp data folder. */
export class RuntimeHarness {
  readonly support: ChaincodeSupport;
  readonly ledger = new MemoryLedger();
  readonly server: grpc.Server;
  readonly address: string;
  readonly dataDir: string;
  readonly pki: TestPki;
  readonly logs: string[];
  #timestamp = 1_700_000_000_000;

  private constructor(
    support: ChaincodeSupport,
    server: grpc.Server,
    address: string,
    dataDir: string,
    pki: TestPki,
    logs: string[],
  ) {
    this.support = support;
    this.logs = logs;
    this.server = server;
    this.address = address;
    this.dataDir = dataDir;
    this.pki = pki;
  }

  static async start(
    options: {
      pki?: TestPki;
      tls?: boolean;
      executeTimeoutMs?: number;
      startupTimeoutMs?: number;
      collectionAccess?: CollectionAccessCheck;
      relaunchBackoff?: LaunchBackoffOptions;
    } = {},
  ): Promise<RuntimeHarness> {
    const logs: string[] = [];
    const support = new ChaincodeSupport({
      channelId: CHANNEL,
      executeTimeoutMs: options.executeTimeoutMs,
      startupTimeoutMs: options.startupTimeoutMs,
      collectionAccess: options.collectionAccess,
      relaunchBackoff: options.relaunchBackoff,
      log: (message) => logs.push(message),
    });
    const server = new grpc.Server();
    support.registerService(server);
    const pki = options.pki ?? (await createTestPki());
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(
          Buffer.from(pki.caPem),
          [{ cert_chain: Buffer.from(pki.server.certPem), private_key: Buffer.from(pki.server.keyPem) }],
          true,
        )
      : grpc.ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      ),
    );
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-chaincode-'));
    return new RuntimeHarness(support, server, `127.0.0.1:${port}`, dataDir, pki, logs);
  }

  /** Runs `conformance:<fn>` (or a raw function name when it contains ':') on a chaincode with a fresh simulator. */
  async invoke(
    chaincode: string,
    fn: string,
    args: readonly string[] = [],
    options: InvokeOptions = {},
  ): Promise<Invoked> {
    const proposal = this.proposal(chaincode, fn, args, options.transient);
    const simulator = this.ledger.newSimulator(proposal.txId);
    const result = await this.support.execute({
      channelId: CHANNEL,
      txId: proposal.txId,
      chaincodeName: chaincode,
      args: proposal.args,
      signedProposal: proposal.signedProposal,
      simulator,
      readOnly: options.readOnly,
      isInit: options.isInit,
    });
    if (options.commit && result.status === 200) {
      this.#timestamp += 1000;
      this.ledger.commit(simulator, this.#timestamp);
    }
    return { result, simulator, txId: proposal.txId, text: Buffer.from(result.payload).toString('utf8') };
  }

  /** invoke + expect status 200 + commit; returns the payload text. */
  async submit(
    chaincode: string,
    fn: string,
    args: readonly string[] = [],
    transient?: Record<string, string>,
  ): Promise<string> {
    const { result, text } = await this.invoke(chaincode, fn, args, { commit: true, transient });
    if (result.status !== 200) throw new Error(`${fn} failed with ${result.status}: ${result.message}`);
    return text;
  }

  proposal(
    chaincode: string,
    fn: string,
    args: readonly string[],
    transient?: Readonly<Record<string, string>>,
  ): ReturnType<typeof buildProposal> {
    return buildProposal({
      channelId: CHANNEL,
      chaincodeName: chaincode,
      mspId: 'Org1MSP',
      certPem: this.pki.user.certPem,
      args: [fn.includes(':') ? fn : FUNCTION_PREFIX + fn, ...args],
      transient,
    });
  }

  async close(): Promise<void> {
    await this.support.stopAll();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await fs.rm(this.dataDir, { recursive: true, force: true });
  }
}
