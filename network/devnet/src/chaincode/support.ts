import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { LaunchBackoff, type LaunchBackoffOptions } from './backoff';
import { dialChaincodeServer, type ChaincodeServerLink } from './ccaas';
import { ChaincodeConnection, type ConnectionOptions, type RegistrationDecision } from './connection';
import { ChaincodeLaunchError, ChaincodeUnavailableError } from './errors';
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
  /** Back-off between relaunches of a launched chaincode that keeps failing to start (default 1 s doubling to 60 s). */
  readonly relaunchBackoff?: LaunchBackoffOptions;
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
  /** How many times the devnet relaunched it after its process died (since it was deployed). */
  readonly restarts: number;
}

interface Entry {
  readonly name: string;
  readonly kind: ChaincodeKind;
  ccid: string;
  connection?: ChaincodeConnection;
  process?: ChaincodeProcess;
  /** How a launched chaincode is started: kept to relaunch it the same way after its process died. */
  launchSpec?: LaunchSpec;
  /** A start (the deploy's or a relaunch) in progress; concurrent executions wait for it instead of starting another. */
  launching?: Promise<void>;
  backoff?: LaunchBackoff;
  restarts: number;
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
  readonly #backoffOptions: LaunchBackoffOptions;

  constructor(options: ChaincodeSupportOptions) {
    this.#channelId = options.channelId;
    this.#executeTimeoutMs = options.executeTimeoutMs ?? DEFAULT_EXECUTE_TIMEOUT_MS;
    this.#startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    this.#log = options.log ?? ((): void => undefined);
    this.#collectionAccess = options.collectionAccess;
    this.#backoffOptions = options.relaunchBackoff ?? {};
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
   * If the process dies later, the next execution relaunches it with the same spec (see {@link execute}).
   */
  async launch(spec: LaunchSpec): Promise<{ ccid: string; pid: number }> {
    const ccid = await computePackageId(spec.name, spec.path);
    await this.stop(spec.name);
    const inspect = spec.inspect !== undefined && spec.inspect !== false;
    const entry: Entry = {
      name: spec.name,
      kind: 'process',
      ccid,
      launchSpec: spec,
      backoff: new LaunchBackoff(this.#backoffOptions),
      restarts: 0,
      logFile: path.join(spec.logDir, `${spec.name}.log`),
      executeTimeoutMs: inspect
        ? Math.max(this.#executeTimeoutMs, INSPECT_EXECUTE_TIMEOUT_MS)
        : this.#executeTimeoutMs,
    };
    this.#entries.set(spec.name, entry);
    const started = this.#startProcess(entry);
    entry.launching = started.then(
      () => undefined,
      () => undefined,
    );
    try {
      const pid = await started;
      return { ccid, pid };
    } catch (error) {
      if (this.#entries.get(spec.name) === entry) this.#entries.delete(spec.name);
      throw error;
    } finally {
      entry.launching = undefined;
    }
  }

  /**
   * Starts the entry's process (stopping a previous one first) and waits, bounded by the startup timeout, for it to
   * register. Resolves with the pid; rejects with ChaincodeLaunchError quoting the end of its output.
   */
  async #startProcess(entry: Entry): Promise<number> {
    const spec = entry.launchSpec as LaunchSpec;
    const logFile = entry.logFile as string;
    // a relaunch: the stream is gone, but the old process may not be (it closed the stream, or hangs)
    await entry.process?.stop();
    const registered = this.#expectRegistration(entry.ccid, entry.name);
    let child: ChaincodeProcess;
    try {
      child = await startChaincodeProcess({
        name: spec.name,
        ccid: entry.ccid,
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
      this.#pending.delete(entry.ccid);
      throw error;
    }
    if (this.#entries.get(entry.name) !== entry) {
      // stopped (or redeployed) while the process was being spawned
      this.#pending.delete(entry.ccid);
      await child.stop();
      throw new ChaincodeLaunchError(`chaincode ${entry.name} was stopped`);
    }
    entry.process = child;
    entry.connection = undefined;
    void child.exited.then((exit) => this.#processExited(entry, child, exit.code, exit.signal));

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
      entry.backoff?.succeeded();
      this.#log(`chaincode ${spec.name} registered as ${entry.ccid} (pid ${child.pid})`);
      return child.pid;
    } catch (error) {
      this.#pending.delete(entry.ccid);
      await child.stop();
      const reason = (error as Error).message;
      entry.backoff?.failed(reason);
      throw new ChaincodeLaunchError(`${reason}; ${logFile} ends with:\n${await child.logTail()}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * What Fabric's ChaincodeSupport.Launch does when an invocation finds no handler: start the chaincode again and
   * wait for it to register. One start at a time — concurrent executions share it — and none while the back-off of
   * earlier failed starts runs: those executions fail at once, saying why.
   */
  async #relaunch(entry: Entry): Promise<void> {
    const permission = entry.launching
      ? { allowed: true as const }
      : (entry.backoff?.check() ?? { allowed: true as const });
    if (!permission.allowed) {
      throw new ChaincodeUnavailableError({
        chaincodeName: entry.name,
        retryAfterMs: permission.waitMs,
        message: `could not launch chaincode ${entry.ccid}: it failed to start ${permission.failures} time${permission.failures === 1 ? '' : 's'} in a row (${permission.lastFailure}); not relaunched for another ${Math.ceil(permission.waitMs / 1000)} s — fix it and redeploy to start it at once; see ${entry.logFile ?? 'its log'}`,
      });
    }
    if (!entry.launching) {
      entry.restarts++;
      this.#log(`chaincode ${entry.name} is not running: relaunching it (restart ${entry.restarts})`);
      entry.launching = this.#startProcess(entry).then(
        () => undefined,
        (error: unknown) => {
          this.#log(`chaincode ${entry.name} relaunch failed: ${(error as Error).message}`);
          throw error;
        },
      );
      const done = (): void => {
        entry.launching = undefined;
      };
      entry.launching.then(done, done);
    }
    try {
      await entry.launching;
    } catch (error) {
      throw new ChaincodeUnavailableError({
        chaincodeName: entry.name,
        message: `could not launch chaincode ${entry.ccid}: ${(error as Error).message}`,
        cause: error,
      });
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
      restarts: 0,
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
      restarts: entry.restarts,
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
   * terminated, or an ERROR message ("transaction returned with failure: …"). A launched chaincode whose process
   * died is relaunched first (ChaincodeUnavailableError if that fails or its back-off is running); a
   * chaincode-as-a-service server is dialled again.
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
      restarts: 0,
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
        throw new ChaincodeExecutionError(`chaincode ${name} is not reachable: ${(error as Error).message}`, {
          cause: error,
          phase: 'launch',
        });
      }
    }
    if (entry?.kind === 'process' && entry.connection?.state !== 'ready') {
      await this.#relaunch(entry);
    }
    const connection = entry?.connection;
    if (!entry || !connection || connection.state !== 'ready') {
      const hint = entry?.process?.hasExited ? `: its process exited, see ${entry.logFile ?? 'its log'}` : '';
      throw new ChaincodeExecutionError(`chaincode ${name} is not registered with the devnet${hint}`, {
        phase: 'launch',
      });
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

  #processExited(
    entry: Entry,
    child: ChaincodeProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    // a process replaced by a relaunch or a redeploy says nothing about the one running now
    if (this.#entries.get(entry.name) !== entry || entry.process !== child) return;
    this.#log(`chaincode ${entry.name} process ${child.pid} exited (${describeExit(code, signal)})`);
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
      { phase: 'result' },
    );
  }
  if (type !== MessageType.COMPLETED) {
    throw new ChaincodeExecutionError(
      `unexpected response type ${messageTypeName(type)} for transaction ${invocation.txId}`,
      { phase: 'result' },
    );
  }
  let response: peer.Response;
  try {
    response = peer.Response.deserializeBinary(message.getPayload_asU8());
  } catch (error) {
    throw new ChaincodeExecutionError(
      `failed to unmarshal response for transaction ${invocation.txId}: ${(error as Error).message}`,
      { phase: 'result', cause: error },
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
