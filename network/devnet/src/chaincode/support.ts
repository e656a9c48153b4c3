import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { dialChaincodeServer, type ChaincodeServerLink } from './ccaas';
import { ChaincodeConnection, type ConnectionOptions, type RegistrationDecision } from './connection';
import { ChaincodeLaunchError } from './errors';
import { startChaincodeProcess, type ChaincodeClientTls, type ChaincodeProcess } from './launcher';
import { MessageType, messageTypeName, parseChaincodeName } from './messages';
import { computePackageId } from './package-id';
import { adaptDuplex } from './stream';
import type { CollectionAccessCheck, TransactionContext } from './transaction-context';
import {
  ChaincodeExecutionError,
  type ChaincodeInvocation,
  type ChaincodeResult,
  type ChaincodeRuntime,
} from './types';

export interface LaunchSpec {
  readonly name: string;
  /** Chaincode folder with package.json (`main`). */
  readonly path: string;
  /** host:port of the devnet gRPC server that serves ChaincodeSupport.Register. */
  readonly peerAddress: string;
  readonly tls?: ChaincodeClientTls;
  /** Start with the Node inspector: true → 127.0.0.1:9229, a number → that port. Execution timeout becomes 15 min. */
  readonly inspect?: boolean | number;
  /** Folder for `<name>.log` (stdout + stderr of the chaincode, appended, control characters escaped). */
  readonly logDir: string;
  /** Size cap of `<name>.log` before it is rotated to `<name>.log.1` (default 10 MiB). */
  readonly logMaxBytes?: number;
  /** Extra environment, e.g. CORE_PEER_LOCALMSPID for `stub.getMspID()`. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ConnectSpec {
  readonly name: string;
  /** host:port of the chaincode server (`fabric-chaincode-node server --chaincode-address`). */
  readonly address: string;
  readonly tls?: {
    readonly rootCertPem: string;
    readonly clientCertPem?: string;
    readonly clientKeyPem?: string;
  };
}

export interface ChaincodeSupportOptions {
  readonly channelId: string;
  /** Fabric's `chaincode.executetimeout` (default 30 s). */
  readonly executeTimeoutMs?: number;
  /** How long a launched chaincode may take to REGISTER, or a CCaaS server to accept the connection (default 60 s). */
  readonly startupTimeoutMs?: number;
  readonly log?: (message: string) => void;
  /**
   * Private data permission (the collection's member policy with memberOnlyRead / memberOnlyWrite). Refusals
   * reach the chaincode as Fabric's "tx creator does not have read access permission on privatedata in …".
   * Absent: every collection is open to every creator.
   */
  readonly collectionAccess?: CollectionAccessCheck;
}

/** A chaincode-to-chaincode call about to run; {@link ChaincodeSupport.onChaincodeInvoke} may refuse it by throwing. */
export interface ChaincodeToChaincodeCall {
  readonly callerName: string;
  readonly targetName: string;
  readonly channelId: string;
  readonly txId: string;
  readonly args: readonly Uint8Array[];
}

export type ChaincodeKind = 'process' | 'ccaas' | 'external';

export interface ChaincodeInfo {
  readonly name: string;
  readonly ccid: string;
  /** process: launched by the devnet; ccaas: the devnet dialled it; external: it dialled in on its own (dev mode). */
  readonly kind: ChaincodeKind;
  readonly ready: boolean;
  readonly pid?: number;
  readonly logFile?: string;
}

interface Entry {
  readonly name: string;
  readonly kind: ChaincodeKind;
  ccid: string;
  connection?: ChaincodeConnection;
  process?: ChaincodeProcess;
  logFile?: string;
  connectSpec?: ConnectSpec;
  link?: ChaincodeServerLink;
  /** A (re)connection to the chaincode server in progress; concurrent executions share it. */
  dialing?: Promise<void>;
  readonly executeTimeoutMs: number;
}

interface PendingRegistration {
  readonly name: string;
  readonly resolve: (connection: ChaincodeConnection) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_EXECUTE_TIMEOUT_MS = 30_000;
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
/** A paused debugger must not make every transaction time out. */
const INSPECT_EXECUTE_TIMEOUT_MS = 15 * 60_000;

/**
 * The devnet's chaincode runtime: accepts chaincodes that dial in (ChaincodeSupport.Register), launches chaincode
 * folders as processes, dials chaincode-as-a-service servers (Chaincode.Connect), and runs transactions on them,
 * answering every state call against the invocation's simulator.
 */
export class ChaincodeSupport implements ChaincodeRuntime {
  /**
   * Called before a chaincode-to-chaincode call runs (e.g. to check the target is defined on the channel).
   * Throwing refuses the call: the calling chaincode gets `INVOKE_CHAINCODE failed: transaction ID: …: <message>`.
   */
  onChaincodeInvoke?: (call: ChaincodeToChaincodeCall) => void | Promise<void>;

  readonly #channelId: string;
  readonly #executeTimeoutMs: number;
  readonly #startupTimeoutMs: number;
  readonly #log: (message: string) => void;
  readonly #collectionAccess?: CollectionAccessCheck;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, PendingRegistration>();

  constructor(options: ChaincodeSupportOptions) {
    this.#channelId = options.channelId;
    this.#executeTimeoutMs = options.executeTimeoutMs ?? DEFAULT_EXECUTE_TIMEOUT_MS;
    this.#startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    this.#log = options.log ?? ((): void => undefined);
    this.#collectionAccess = options.collectionAccess;
  }

  /** Adds `protos.ChaincodeSupport/Register` to the devnet's gRPC server. */
  registerService(server: grpc.Server): void {
    const implementation: peer.IChaincodeSupportServer = {
      register: (call) => {
        // the stream adapter needs the connection and the connection needs the stream
        const holder: { connection?: ChaincodeConnection } = {};
        const stream = adaptDuplex(call, {
          onMessage: (message) => holder.connection?.handleMessage(message),
          onClose: (reason) => holder.connection?.handleClose(reason),
        });
        holder.connection = new ChaincodeConnection(
          stream,
          this.#connectionOptions((ccid, connection) => this.#acceptDialIn(ccid, connection)),
        );
      },
    };
    server.addService(peer.ChaincodeSupportService, implementation);
  }

  /**
   * Starts the chaincode folder as `fabric-chaincode-node start` with ccid `<name>:<hash of the folder>` and
   * resolves once it has registered (REGISTERED and READY sent). A running chaincode of the same name is stopped
   * first, so redeploying is one call. Rejects with the end of the chaincode's log if it exits or never registers.
   */
  async launch(spec: LaunchSpec): Promise<{ ccid: string; pid: number }> {
    const ccid = await computePackageId(spec.name, spec.path);
    await this.stop(spec.name);
    const logFile = path.join(spec.logDir, `${spec.name}.log`);
    const registered = this.#expectRegistration(ccid, spec.name);
    let child: ChaincodeProcess;
    try {
      child = await startChaincodeProcess({
        name: spec.name,
        ccid,
        path: path.resolve(spec.path),
        peerAddress: spec.peerAddress,
        tls: spec.tls,
        inspect: spec.inspect,
        logFile,
        logMaxBytes: spec.logMaxBytes,
        tlsDir: path.join(spec.logDir, `.${spec.name}.tls`),
        env: spec.env,
      });
    } catch (error) {
      this.#pending.delete(ccid);
      throw error;
    }
    const inspect = spec.inspect !== undefined && spec.inspect !== false;
    const entry: Entry = {
      name: spec.name,
      kind: 'process',
      ccid,
      process: child,
      logFile,
      executeTimeoutMs: inspect
        ? Math.max(this.#executeTimeoutMs, INSPECT_EXECUTE_TIMEOUT_MS)
        : this.#executeTimeoutMs,
    };
    this.#entries.set(spec.name, entry);
    void child.exited.then((exit) => this.#processExited(entry, exit.code, exit.signal));

    let timer: NodeJS.Timeout | undefined;
    const failure = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ChaincodeLaunchError(
              `chaincode ${spec.name} did not register within ${this.#startupTimeoutMs} ms`,
            ),
          ),
        this.#startupTimeoutMs,
      );
      void child.exited.then((exit) =>
        reject(
          new ChaincodeLaunchError(
            `chaincode ${spec.name} exited (${describeExit(exit.code, exit.signal)}) before registering`,
          ),
        ),
      );
    });
    // the process exiting long after a successful launch must not become an unhandled rejection
    failure.catch(() => undefined);
    try {
      // attach here too: the REGISTER may have raced the bookkeeping above
      entry.connection = await Promise.race([registered, failure]);
      this.#log(`chaincode ${spec.name} registered as ${ccid} (pid ${child.pid})`);
      return { ccid, pid: child.pid };
    } catch (error) {
      this.#pending.delete(ccid);
      if (this.#entries.get(spec.name) === entry) this.#entries.delete(spec.name);
      await child.stop();
      const tail = await child.logTail();
      throw new ChaincodeLaunchError(`${(error as Error).message}; ${logFile} ends with:\n${tail}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Dials a chaincode-as-a-service server (`protos.Chaincode/Connect`) and resolves once it has registered.
   * If the stream later ends, the next execution dials again (the server may have been restarted).
   */
  async connect(spec: ConnectSpec): Promise<{ ccid: string }> {
    await this.stop(spec.name);
    const entry: Entry = {
      name: spec.name,
      kind: 'ccaas',
      ccid: '',
      connectSpec: spec,
      executeTimeoutMs: this.#executeTimeoutMs,
    };
    this.#entries.set(spec.name, entry);
    try {
      await this.#dial(entry);
    } catch (error) {
      if (this.#entries.get(spec.name) === entry) this.#entries.delete(spec.name);
      throw error;
    }
    return { ccid: entry.ccid };
  }

  /** Stops a chaincode: ends its stream and, if the devnet launched it, its process. In-flight executions fail. */
  async stop(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    const pending = this.#pending.get(entry.ccid);
    if (pending && pending.name === name) {
      this.#pending.delete(entry.ccid);
      pending.reject(new ChaincodeLaunchError(`chaincode ${name} was stopped`));
    }
    entry.connection?.close();
    entry.link?.close();
    await entry.process?.stop();
    this.#log(`chaincode ${name} stopped`);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((name) => this.stop(name)));
  }

  isReady(name: string): boolean {
    return this.#entries.get(name)?.connection?.state === 'ready';
  }

  /** What runs under this name, for `devnet status`. */
  info(name: string): ChaincodeInfo | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    return {
      name: entry.name,
      ccid: entry.ccid,
      kind: entry.kind,
      ready: entry.connection?.state === 'ready',
      pid: entry.process?.pid,
      logFile: entry.logFile,
    };
  }

  list(): ChaincodeInfo[] {
    return [...this.#entries.keys()]
      .map((name) => this.info(name))
      .filter((info): info is ChaincodeInfo => info !== undefined);
  }

  /**
   * Runs one transaction. A chaincode error is a result (status 500 and its message, as fabric-contract-api
   * sends it); ChaincodeExecutionError means the chaincode could not run it: not registered, timeout, stream
   * terminated, or an ERROR message ("transaction returned with failure: …").
   */
  async execute(invocation: ChaincodeInvocation): Promise<ChaincodeResult> {
    const entry = await this.#readyEntry(invocation.chaincodeName);
    const message = await entry.connection.execute({
      channelId: invocation.channelId,
      txId: invocation.txId,
      namespace: invocation.chaincodeName,
      simulator: invocation.simulator,
      signedProposal: invocation.signedProposal,
      isInit: invocation.isInit,
      readOnly: invocation.readOnly,
      rootId: randomUUID(),
      collectionAccess: this.#collectionAccess,
      args: invocation.args,
      timeoutMs: entry.executeTimeoutMs,
    });
    return toResult(invocation, message);
  }

  #connectionOptions(onRegister: ConnectionOptions['onRegister']): ConnectionOptions {
    return {
      onRegister,
      onReady: (connection) => this.#pending.get(connection.ccid)?.resolve(connection),
      onClosed: (connection, reason) => this.#connectionClosed(connection, reason),
      invoke: (context, spec) => this.#invokeFromChaincode(context, spec),
      log: this.#log,
    };
  }

  #expectRegistration(ccid: string, name: string): Promise<ChaincodeConnection> {
    return new Promise<ChaincodeConnection>((resolve, reject) => {
      this.#pending.set(ccid, {
        name,
        resolve: (connection) => {
          this.#pending.delete(ccid);
          resolve(connection);
        },
        reject,
      });
    });
  }

  /** REGISTER on ChaincodeSupport.Register: a chaincode the devnet launched, or one started by hand (dev mode). */
  #acceptDialIn(ccid: string, connection: ChaincodeConnection): RegistrationDecision {
    const pending = this.#pending.get(ccid);
    if (pending) {
      const entry = this.#entries.get(pending.name);
      if (entry?.connection?.state === 'ready') {
        return { accepted: false, reason: `duplicate chaincodeID: ${ccid}` };
      }
      if (entry && entry.ccid === ccid) entry.connection = connection;
      return { accepted: true };
    }
    const name = parseChaincodeName(ccid).name;
    const existing = this.#entries.get(name);
    if (existing && !(existing.kind === 'external' && existing.connection?.state !== 'ready')) {
      return {
        accepted: false,
        reason: `duplicate chaincodeID: chaincode ${name} is already deployed as ${existing.ccid}`,
      };
    }
    this.#entries.set(name, {
      name,
      kind: 'external',
      ccid,
      connection,
      executeTimeoutMs: this.#executeTimeoutMs,
    });
    this.#log(`chaincode ${name} registered on its own as ${ccid}`);
    return { accepted: true };
  }

  async #dial(entry: Entry): Promise<void> {
    const spec = entry.connectSpec;
    if (!spec) throw new ChaincodeExecutionError(`chaincode ${entry.name} has no server address`);
    const link = await dialChaincodeServer(spec, this.#startupTimeoutMs);
    entry.link = link;
    let connection: ChaincodeConnection | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const options = this.#connectionOptions((ccid, conn) => {
        entry.ccid = ccid;
        entry.connection = conn;
        return { accepted: true };
      });
      connection = new ChaincodeConnection(
        adaptDuplex(link.call, {
          onMessage: (message) => connection?.handleMessage(message),
          onClose: (reason) => connection?.handleClose(reason),
        }),
        {
          ...options,
          onReady: () => resolve(),
          onClosed: (conn, reason) => {
            reject(
              new ChaincodeLaunchError(`chaincode server at ${spec.address} closed the stream: ${reason}`),
            );
            options.onClosed(conn, reason);
          },
        },
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ChaincodeLaunchError(
              `chaincode server at ${spec.address} did not register within ${this.#startupTimeoutMs} ms`,
            ),
          ),
        this.#startupTimeoutMs,
      );
    });
    try {
      await Promise.race([ready, timeout]);
      this.#log(`chaincode ${entry.name} connected at ${spec.address} as ${entry.ccid}`);
    } catch (error) {
      connection?.close();
      link.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readyEntry(name: string): Promise<Entry & { connection: ChaincodeConnection }> {
    const entry = this.#entries.get(name);
    if (entry?.kind === 'ccaas' && entry.connection?.state !== 'ready') {
      entry.dialing ??= this.#dial(entry).finally(() => {
        entry.dialing = undefined;
      });
      try {
        await entry.dialing;
      } catch (error) {
        throw new ChaincodeExecutionError(`chaincode ${name} is not reachable: ${(error as Error).message}`);
      }
    }
    const connection = entry?.connection;
    if (!entry || !connection || connection.state !== 'ready') {
      const hint = entry?.process?.hasExited ? `: its process exited, see ${entry.logFile ?? 'its log'}` : '';
      throw new ChaincodeExecutionError(`chaincode ${name} is not registered with the devnet${hint}`);
    }
    return { ...entry, connection };
  }

  /**
   * INVOKE_CHAINCODE as Fabric's HandleInvokeChaincode: same channel → the called chaincode runs with the SAME
   * simulator and txid, and the caller gets its COMPLETED/ERROR message. Another channel: the devnet has one ledger,
   * so it answers as a peer that has not joined that channel.
   */
  async #invokeFromChaincode(
    parent: TransactionContext,
    spec: peer.ChaincodeSpec,
  ): Promise<peer.ChaincodeMessage> {
    const target = parseChaincodeName(spec.getChaincodeId()?.getName() ?? '');
    const channelId = target.channelId || parent.channelId;
    if (channelId !== parent.channelId || channelId !== this.#channelId) {
      throw new Error(`failed to find ledger for channel: ${channelId}`);
    }
    const args = spec.getInput()?.getArgsList_asU8() ?? [];
    if (this.onChaincodeInvoke) {
      await this.onChaincodeInvoke({
        callerName: parent.namespace,
        targetName: target.name,
        channelId,
        txId: parent.txId,
        args,
      });
    }
    let entry: Entry & { connection: ChaincodeConnection };
    try {
      entry = await this.#readyEntry(target.name);
    } catch (error) {
      throw new Error(`execute failed: ${(error as Error).message}`);
    }
    try {
      return await entry.connection.execute({
        channelId,
        txId: parent.txId,
        namespace: target.name,
        simulator: parent.simulator,
        signedProposal: parent.signedProposal,
        isInit: false,
        readOnly: parent.readOnly,
        rootId: parent.rootId,
        collectionAccess: this.#collectionAccess,
        args,
        timeoutMs: entry.executeTimeoutMs,
      });
    } catch (error) {
      throw new Error(`execute failed: error sending: ${(error as Error).message}`);
    }
  }

  #connectionClosed(connection: ChaincodeConnection, reason: string): void {
    for (const entry of this.#entries.values()) {
      if (entry.connection !== connection) continue;
      entry.connection = undefined;
      this.#log(`chaincode ${entry.name} (${entry.ccid}) disconnected: ${reason}`);
      if (entry.kind === 'external') this.#entries.delete(entry.name);
    }
  }

  #processExited(entry: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#entries.get(entry.name) !== entry) return;
    this.#log(
      `chaincode ${entry.name} process ${entry.process?.pid ?? '?'} exited (${describeExit(code, signal)})`,
    );
    // the stream normally ends with the process; do not wait for the HTTP/2 session to notice
    entry.connection?.close();
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code ?? '?'}`;
}

function toResult(invocation: ChaincodeInvocation, message: peer.ChaincodeMessage): ChaincodeResult {
  const type = message.getType();
  if (type === MessageType.ERROR) {
    throw new ChaincodeExecutionError(
      `transaction returned with failure: ${Buffer.from(message.getPayload_asU8()).toString('utf8')}`,
    );
  }
  if (type !== MessageType.COMPLETED) {
    throw new ChaincodeExecutionError(
      `unexpected response type ${messageTypeName(type)} for transaction ${invocation.txId}`,
    );
  }
  let response: peer.Response;
  try {
    response = peer.Response.deserializeBinary(message.getPayload_asU8());
  } catch (error) {
    throw new ChaincodeExecutionError(
      `failed to unmarshal response for transaction ${invocation.txId}: ${(error as Error).message}`,
    );
  }
  const event = message.getChaincodeEvent();
  return {
    status: response.getStatus(),
    message: response.getMessage(),
    payload: response.getPayload_asU8(),
    event: event
      ? {
          chaincodeId: invocation.chaincodeName,
          txId: invocation.txId,
          eventName: event.getEventName(),
          payload: event.getPayload_asU8(),
        }
      : undefined,
  };
}
