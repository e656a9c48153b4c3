import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { genesisConfigBlock, newBlock, signBlock, validationCodeName } from '../blocks';
import { ChaincodeSupport, type LaunchSpec } from '../chaincode';
import { dataPaths, resolveOptions, type DevnetOptions } from './config';
import {
  clientConnection,
  connectionProfile,
  writeConnectionProfile,
  type ClientConnection,
} from './connection';
import { OrgEndorser } from '../endorser/endorser';
import { endorserHandlers } from '../endorser/service';
import { channelAcl } from '../gateway/acl';
import { readJsonFile, startAdminServer, type DeployRequest } from '../gateway/admin';
import { GatewayServer } from '../gateway/gateway';
import type { BlockSource } from '../gateway/ports';
import { deliverHandlers, gatewayHandlers, type ServiceContext } from '../gateway/service';
import { Ledger } from '../ledger';
import { DevnetLog } from '../log';
import { collectionAccessCheck } from '../lifecycle/collections';
import { deployChaincode, type DeployOptions, type DeployResult } from '../lifecycle/deploy';
import { ChaincodeDefinitions, type ChaincodeDefinition } from '../lifecycle/definitions';
import {
  ensureNetworkMaterial,
  createMspManager,
  signingIdentityFrom,
  type IdentityFiles,
  type NetworkMaterial,
} from '../msp';
import { SignatureCache } from '../msp/signature-cache';
import { Orderer } from '../orderer/orderer';
import { Committer, type TransactionDetail } from '../peer/committer';
import { CommitNotifier } from '../peer/notifier';
import { MemoryTransientStore } from '../peer/transientstore';
import { PolicyAdapter } from '../policy';
import { bindServer, writeRuntimeFile, type DevnetOwner } from '../process';

/** What `devnet status` reports. */
export interface DevnetStatus {
  readonly pid: number;
  /** The program this devnet runs inside, when it is not `devnet start` (stopping it stops that program). */
  readonly owner?: DevnetOwner;
  readonly endpoint: string;
  readonly channelId: string;
  readonly height: number;
  readonly orgs: readonly string[];
  readonly tls: boolean;
  readonly chaincodes: readonly {
    name: string;
    source: string;
    policy: string;
    sequence: number;
    ready: boolean;
    pid?: number;
    /** Times the devnet relaunched it after its process died, since it was deployed or the devnet started. */
    restarts: number;
  }[];
}

/** A running devnet, for tests and tools. */
export interface Devnet {
  readonly endpoint: string;
  readonly port: number;
  readonly adminPort: number;
  readonly channelId: string;
  readonly dataDir: string;
  readonly material: NetworkMaterial;
  /**
   * Starts (or connects to) a chaincode and makes it callable. The same package, policy and collections as deployed
   * keep the definition and its sequence (and only start it if it is not running); a change is the next sequence.
   */
  deploy(name: string, pathOrAddress: string, options?: DeployOptions): Promise<DeployResult>;
  /** An organisation's user or admin identity; `org` is a 1-based index or an MSP id. */
  identity(org: number | string, role?: 'user' | 'admin'): IdentityFiles;
  /** gRPC client + identity + signer for fabric-gateway's `connect()`; close the client when done. */
  connection(org?: number | string, role?: 'user' | 'admin'): ClientConnection;
  /** Why a transaction committed as it did (conflicting key and versions for MVCC failures). */
  transactionDetail(txId: string): TransactionDetail | undefined;
  status(): DevnetStatus;
  /** Stops chaincodes and servers after committing what was accepted. */
  stop(): Promise<void>;
}

/**
 * Starts a devnet: crypto material, ledger (with its config genesis block), one gRPC server hosting
 * Gateway, Deliver, Endorser and ChaincodeSupport, the admin endpoint, redeploys registered chaincodes and
 * writes `<data>/connection.json`. With `port: 0` it picks a free port (for tests).
 */
export async function startDevnet(partial: Partial<DevnetOptions> = {}): Promise<Devnet> {
  const options = resolveOptions(partial);
  const progress = options.progress ?? ((): void => undefined);
  const paths = dataPaths(options.dataDir);
  await fs.mkdir(paths.chaincodeLogs, { recursive: true });
  const devnetLog = new DevnetLog({
    path: path.join(paths.logs, 'devnet.log'),
    maxBytes: options.logMaxBytes,
    echo: options.log,
  });
  const log = (line: string): void => devnetLog.write(line);

  progress(`crypto material for ${options.orgs} organisations`);
  const material = await ensureNetworkMaterial(options.dataDir, options.orgs);
  const mspManager = createMspManager(material);
  const mspIds = material.orgs.map((org) => org.mspId);
  const acl = channelAcl(mspIds);
  const orderSigner = signingIdentityFrom(material.orderer);

  progress('ledger');
  const ledger = await Ledger.open(paths.ledger, { channelId: options.channelId });
  // Undone in reverse order if start-up fails half-way, so a failed start leaves nothing running or open.
  const cleanup: (() => unknown)[] = [() => devnetLog.close(), () => ledger.close()];
  try {
    if (ledger.height === 0) {
      const genesis = genesisConfigBlock(options.channelId, material, Date.now(), {
        maxMessageCount: options.batchSize,
        batchTimeout: `${options.batchTimeoutMs}ms`,
        ordererEndpoint: `127.0.0.1:${options.port}`,
      });
      await ledger.commitBlock(genesis, [peer.TxValidationCode.VALID], new Map());
    }

    const definitions = new ChaincodeDefinitions(
      (await readJsonFile<ChaincodeDefinition[]>(paths.registry)) ?? [],
    );
    const policies = new PolicyAdapter(definitions, mspIds, (ns, key) =>
      ledger.getCommittedStateMetadata(ns, key),
    );
    const chaincodes = new ChaincodeSupport({
      channelId: options.channelId,
      log,
      collectionAccess: collectionAccessCheck(definitions, mspManager, mspIds),
    });
    // A chaincode may call only chaincodes defined on the channel (Fabric's CheckInvocation).
    chaincodes.onChaincodeInvoke = (call): void => {
      if (!definitions.has(call.targetName)) {
        throw new Error(
          `make sure the chaincode ${call.targetName} has been successfully defined on channel ${call.channelId} and try again: namespace ${call.targetName} is not defined`,
        );
      }
    };
    const notifier = new CommitNotifier(ledger.height);
    const transientStore = new MemoryTransientStore();
    const signatures = new SignatureCache();

    const blocks: BlockSource = {
      get height(): number {
        return notifier.height;
      },
      getBlock: async (n) => (n < notifier.height ? ledger.getBlock(n) : undefined),
      findTransaction: async (txId) => {
        const found = ledger.findTransaction(txId);
        return found ? { code: found.validationCode, blockNumber: found.blockNumber } : undefined;
      },
    };

    const endorserLedger = {
      newSimulator: (txId: string, o: { readOnly: boolean }) => ledger.newSimulator(txId, o),
      hasTransaction: (txId: string) => ledger.findTransaction(txId) !== undefined,
    };
    const endorsers = new Map(
      material.orgs.map((org) => [
        org.mspId,
        new OrgEndorser({
          mspId: org.mspId,
          signer: signingIdentityFrom(org.peer),
          ledger: endorserLedger,
          chaincodes,
          onSigned: (signer, message, signature) => signatures.remember(signer, message, signature),
          chaincodeVersion: (name) =>
            ChaincodeDefinitions.version(definitions.get(name) ?? ({ sequence: 0 } as ChaincodeDefinition)),
        }),
      ]),
    );

    const committer = new Committer({
      ledger: {
        get height(): number {
          return ledger.height;
        },
        get lastBlockHash(): Uint8Array {
          return ledger.lastBlockHash;
        },
        commitBlock: async (block, preCodes, privateData) => {
          const result = await ledger.commitBlock(block, preCodes, privateData);
          return { codes: result.codes, conflicts: result.details };
        },
        getCommittedStateMetadata: (ns, key) => ledger.getCommittedStateMetadata(ns, key),
        hasTransaction: (txId) => ledger.findTransaction(txId) !== undefined,
      },
      blocks: {
        newBlock: (number, previousHash, envelopes) =>
          signBlock(newBlock(number, previousHash, envelopes), orderSigner, 0),
      },
      validator: {
        channelId: options.channelId,
        msp: mspManager,
        policies,
        isDeployed: (name) => definitions.has(name),
        committedMetadata: (ns, key) => ledger.getCommittedStateMetadata(ns, key),
        isCommittedTxId: (txId) => ledger.findTransaction(txId) !== undefined,
        signatures,
      },
      notifier,
      transientStore,
      log,
    });
    const orderer = new Orderer({
      channelId: options.channelId,
      msp: mspManager,
      batchSize: options.batchSize,
      batchTimeoutMs: options.batchTimeoutMs,
      cutWhenIdle: options.cutWhenIdle,
      signatures,
      mayWrite: (identity) => acl.isWriter(identity),
      commitBlock: async (envelopes) => {
        await committer.commit(envelopes);
      },
      onError: (err) =>
        log(`block commit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });

    progress('gRPC server (Gateway, Deliver, Endorser, ChaincodeSupport)');
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 100 * 1024 * 1024 });
    let address = '';
    const gatewayServer = new GatewayServer({
      channelId: options.channelId,
      get address(): string {
        return address;
      },
      mspManager,
      definitions,
      endorsers,
      planner: policies,
      orderer,
      blocks,
      notifier,
      transientStore,
      acl,
    });
    const context: ServiceContext = {
      channelId: options.channelId,
      gateway: gatewayServer,
      blocks,
      notifier,
      mspManager,
      acl,
      onError: (err) =>
        log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    };
    server.addService(gatewayProtos.GatewayService, gatewayHandlers(context));
    server.addService(peer.DeliverService, deliverHandlers(context));
    server.addService(
      peer.EndorserService,
      endorserHandlers({
        channelId: options.channelId,
        mspManager,
        endorsers,
        mayPropose: (identity) => acl.isWriter(identity),
      }),
    );
    chaincodes.registerService(server);
    cleanup.push(
      () => server.forceShutdown(),
      () => chaincodes.stopAll(),
    );
    const credentials = options.plaintext
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(
          Buffer.from(material.tls.caCertPem),
          [
            {
              private_key: Buffer.from(material.tls.serverKeyPem),
              cert_chain: Buffer.from(material.tls.serverCertPem),
            },
          ],
          false,
        );
    const port = await bindServer(server, '127.0.0.1', options.port, credentials);
    address = `127.0.0.1:${port}`;
    const endpoint = address;
    const tls = !options.plaintext;

    const org1 = material.orgs[0];
    /** A chaincode folder started as a process that dials this devnet (mutual TLS unless plaintext). */
    const launchSpec = (name: string, folder: string, inspect?: boolean | number): LaunchSpec => ({
      name,
      path: folder,
      peerAddress: endpoint,
      ...(tls
        ? {
            tls: {
              rootCertPem: material.tls.caCertPem,
              clientCertPem: material.tls.clientCertPem,
              clientKeyPem: material.tls.clientKeyPem,
            },
          }
        : {}),
      ...(inspect !== undefined ? { inspect } : {}),
      logDir: paths.chaincodeLogs,
      ...(options.logMaxBytes !== undefined ? { logMaxBytes: options.logMaxBytes } : {}),
      env: { CORE_PEER_LOCALMSPID: org1?.mspId ?? 'Org1MSP' },
    });
    const deploy = (name: string, source: string, deployOptions: DeployOptions = {}): Promise<DeployResult> =>
      deployChaincode(
        {
          definitions,
          chaincodes,
          mspIds,
          checkPolicy: (policy) => policies.check(policy),
          launchSpec,
          registryFile: paths.registry,
          log,
        },
        name,
        source,
        deployOptions,
      );

    const registered = definitions.list();
    if (registered.length > 0) progress(`chaincodes: ${registered.map((d) => d.name).join(', ')}`);
    await Promise.all(
      registered.map(async (definition) => {
        try {
          if (definition.kind === 'path') {
            await chaincodes.launch(launchSpec(definition.name, definition.source));
          } else {
            await chaincodes.connect({ name: definition.name, address: definition.source });
          }
        } catch (err) {
          log(
            `chaincode ${definition.name} could not be restarted: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }),
    );

    const status = (): DevnetStatus => ({
      pid: process.pid,
      ...(options.owner ? { owner: options.owner } : {}),
      endpoint,
      channelId: options.channelId,
      height: notifier.height,
      orgs: mspIds,
      tls,
      chaincodes: definitions.list().map((d) => ({
        name: d.name,
        source: d.source,
        policy: d.policy,
        sequence: d.sequence,
        ready: chaincodes.isReady(d.name),
        restarts: chaincodes.info(d.name)?.restarts ?? 0,
        ...(chaincodes.info(d.name)?.pid !== undefined ? { pid: chaincodes.info(d.name)?.pid } : {}),
      })),
    });

    progress('admin endpoint and connection file');
    const admin = await startAdminServer(
      mspManager,
      {
        status,
        deploy: (request: DeployRequest) =>
          deploy(request.name, request.source, {
            ...(request.policy !== undefined ? { policy: request.policy } : {}),
            ...(request.collections !== undefined ? { collections: request.collections } : {}),
            ...(request.inspect !== undefined ? { inspect: request.inspect } : {}),
          }),
      },
      options.adminPort,
    );
    cleanup.push(() => new Promise<void>((resolve) => admin.server.close(() => resolve())));
    await writeConnectionProfile(
      paths.connection,
      connectionProfile(material, options.channelId, endpoint, tls),
    );
    await writeRuntimeFile(paths.runtime, {
      pid: process.pid,
      endpoint,
      port,
      adminPort: admin.port,
      startedAt: new Date().toISOString(),
      ...(options.owner ? { owner: options.owner } : {}),
    });
    progress(`ready on ${endpoint} (channel ${options.channelId}, height ${notifier.height})`);

    const identity = (org: number | string = 1, role: 'user' | 'admin' = 'user'): IdentityFiles => {
      const found =
        typeof org === 'number' ? material.orgs[org - 1] : material.orgs.find((o) => o.mspId === org);
      if (!found) throw new Error(`no organisation ${String(org)}`);
      return role === 'admin' ? found.admin : found.user;
    };

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        orderer.stop();
        await orderer.idle();
        notifier.close();
        await new Promise<void>((resolve) => admin.server.close(() => resolve()));
        await chaincodes.stopAll();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 2000);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        await ledger.close();
        await fs.rm(paths.runtime, { force: true });
        devnetLog.close();
      })();
      return stopped;
    };

    return {
      endpoint,
      port,
      adminPort: admin.port,
      channelId: options.channelId,
      dataDir: options.dataDir,
      material,
      deploy,
      identity,
      connection: (org = 1, role = 'user') =>
        clientConnection(endpoint, tls ? material.tls.caCertPem : undefined, identity(org, role)),
      transactionDetail: (txId) => {
        const known = committer.transactionDetail(txId);
        if (known) return known;
        // Committed before this process started: the code and position are in the ledger, the reason is not.
        const found = ledger.findTransaction(txId);
        return found
          ? {
              txId,
              blockNumber: found.blockNumber,
              txIndex: found.txNum,
              code: found.validationCode,
              codeName: validationCodeName(found.validationCode),
            }
          : undefined;
      },
      status,
      stop,
    };
  } catch (err) {
    for (const undo of cleanup.reverse())
      await Promise.resolve()
        .then(undo)
        .catch(() => undefined);
    throw err;
  }
}
