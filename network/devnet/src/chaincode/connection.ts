import { peer } from '@hyperledger/fabric-protos';
import { ChaincodeExecutionError } from './types';
import {
  MessageType,
  errorReply,
  messageTypeName,
  newMessage,
  stateRequestFailure,
  transactionKey,
} from './messages';
import type { MessageStream } from './stream';
import { answerStateRequest, type ChaincodeInvoker } from './state-requests';
import {
  newTransactionContext,
  type TransactionContext,
  type TransactionContextInit,
} from './transaction-context';

/** Fabric's texts for an execution that never finished (core/chaincode/handler.go). */
export const ERROR_EXECUTION_TIMEOUT = 'timeout expired while executing transaction';
export const ERROR_STREAM_TERMINATED = 'chaincode stream terminated';

export type ConnectionState = 'created' | 'ready' | 'closed';

/** Answer to a REGISTER: accept (the connection sends REGISTERED then READY) or refuse with a reason. */
export type RegistrationDecision =
  { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

export interface ConnectionOptions {
  /** Decides whether the chaincode that sent REGISTER with this ccid may serve. */
  readonly onRegister: (ccid: string, connection: ChaincodeConnection) => RegistrationDecision;
  /** Called after READY was sent. */
  readonly onReady: (connection: ChaincodeConnection) => void;
  readonly onClosed: (connection: ChaincodeConnection, reason: string) => void;
  readonly invoke: ChaincodeInvoker;
  readonly log?: (message: string) => void;
}

export interface ExecuteRequest extends TransactionContextInit {
  /** `ChaincodeInput.args`. */
  readonly args: readonly Uint8Array[];
  readonly timeoutMs: number;
}

interface Execution {
  readonly context: TransactionContext;
  readonly request: ExecuteRequest;
  readonly resolve: (message: peer.ChaincodeMessage) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  /** True once the caller gave up (timeout): late state requests get "no ledger context", never the simulator. */
  abandoned: boolean;
  /** A state request of this execution is being answered (only INVOKE_CHAINCODE can make this visible). */
  busy: boolean;
}

/**
 * The peer side of one chaincode chat stream (core/chaincode/handler.go): REGISTER → REGISTERED + READY, then
 * TRANSACTION/INIT out, state requests in, COMPLETED/ERROR back. Never sends KEEPALIVE: fabric-shim 2.5 exits on it.
 *
 * Concurrency: transactions with different channel+txid run concurrently. The shim routes everything by
 * channel+txid alone, so two executions of the SAME txid (the same proposal simulated once per endorsing org)
 * cannot share the stream at once: they are serialised here, in call order. A chaincode-to-chaincode call back
 * into a chaincode that is already running this txid for the same simulation fails, as Fabric's does.
 */
export class ChaincodeConnection {
  readonly #stream: MessageStream;
  readonly #options: ConnectionOptions;
  readonly #active = new Map<string, Execution>();
  readonly #waiting = new Map<string, Execution[]>();
  #state: ConnectionState = 'created';
  #ccid = '';

  constructor(stream: MessageStream, options: ConnectionOptions) {
    this.#stream = stream;
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The chaincode id the chaincode registered with (`label:hash`), empty before REGISTER. */
  get ccid(): string {
    return this.#ccid;
  }

  /** Executions started or waiting on this stream. */
  get inFlight(): number {
    let waiting = 0;
    for (const queue of this.#waiting.values()) waiting += queue.length;
    return this.#active.size + waiting;
  }

  /** Feeds one message received from the chaincode. */
  handleMessage(message: peer.ChaincodeMessage): void {
    const type = message.getType();
    if (type === MessageType.KEEPALIVE) return;
    if (this.#state === 'created') {
      this.#handleCreated(message);
      return;
    }
    if (this.#state === 'closed') return;
    if (type === MessageType.COMPLETED || type === MessageType.ERROR) {
      this.#finish(message);
      return;
    }
    void this.#handleStateRequest(message);
  }

  /** The stream is gone: every execution fails with Fabric's "chaincode stream terminated". */
  handleClose(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const error = (): ChaincodeExecutionError => new ChaincodeExecutionError(ERROR_STREAM_TERMINATED);
    for (const execution of this.#active.values()) this.#settle(execution, undefined, error());
    for (const queue of this.#waiting.values())
      for (const execution of queue) this.#settle(execution, undefined, error());
    this.#active.clear();
    this.#waiting.clear();
    this.#options.onClosed(this, reason);
  }

  /** Closes the stream from the devnet side. */
  close(): void {
    this.#stream.close();
    this.handleClose('closed by the devnet');
  }

  /**
   * Sends TRANSACTION (or INIT) and resolves with the chaincode's COMPLETED or ERROR message. Rejects with
   * ChaincodeExecutionError on timeout or stream loss; with a plain Error when the same simulation re-enters.
   */
  execute(request: ExecuteRequest): Promise<peer.ChaincodeMessage> {
    if (this.#state !== 'ready') {
      return Promise.reject(new ChaincodeExecutionError(ERROR_STREAM_TERMINATED));
    }
    const key = transactionKey(request.channelId, request.txId);
    const active = this.#active.get(key);
    const sameSimulation =
      (active !== undefined && active.request.rootId === request.rootId) ||
      (this.#waiting.get(key) ?? []).some((execution) => execution.request.rootId === request.rootId);
    if (sameSimulation) {
      return Promise.reject(new Error(`txid: ${request.txId}(${request.channelId}) exists`));
    }
    return new Promise<peer.ChaincodeMessage>((resolve, reject) => {
      const execution: Execution = {
        context: newTransactionContext(request),
        request,
        resolve,
        reject,
        abandoned: false,
        busy: false,
      };
      execution.timer = setTimeout(() => this.#timeout(key, execution), request.timeoutMs);
      if (active) {
        const queue = this.#waiting.get(key) ?? [];
        queue.push(execution);
        this.#waiting.set(key, queue);
      } else {
        this.#start(key, execution);
      }
    });
  }

  #handleCreated(message: peer.ChaincodeMessage): void {
    if (message.getType() !== MessageType.REGISTER) {
      this.#stream.send(
        errorReply(
          message,
          `[${message.getTxid()}] devnet peer cannot handle message (${messageTypeName(message.getType())}) while in created state`,
        ),
      );
      this.#stream.close();
      this.handleClose('protocol violation before REGISTER');
      return;
    }
    let ccid = '';
    try {
      ccid = peer.ChaincodeID.deserializeBinary(message.getPayload_asU8()).getName();
    } catch (error) {
      this.#refuse(
        `error in received REGISTER, could not unmarshal registration info: ${(error as Error).message}`,
      );
      return;
    }
    if (!ccid) {
      this.#refuse('error in handling register chaincode, chaincodeID name is empty');
      return;
    }
    this.#ccid = ccid;
    const decision = this.#options.onRegister(ccid, this);
    if (!decision.accepted) {
      this.#refuse(decision.reason);
      return;
    }
    this.#stream.send(newMessage(MessageType.REGISTERED));
    this.#stream.send(newMessage(MessageType.READY));
    this.#state = 'ready';
    this.#options.onReady(this);
  }

  #refuse(reason: string): void {
    this.#options.log?.(`refusing chaincode registration: ${reason}`);
    this.#stream.send(newMessage(MessageType.ERROR, { payload: Buffer.from(reason, 'utf8') }));
    this.#stream.close();
    this.handleClose(reason);
  }

  #start(key: string, execution: Execution): void {
    this.#active.set(key, execution);
    const { request } = execution;
    const input = new peer.ChaincodeInput();
    input.setArgsList([...request.args]);
    input.setIsInit(request.isInit ?? false);
    const message = newMessage(request.isInit ? MessageType.INIT : MessageType.TRANSACTION, {
      txid: request.txId,
      channelId: request.channelId,
      payload: input.serializeBinary(),
    });
    if (request.signedProposal.length > 0) {
      try {
        message.setProposal(peer.SignedProposal.deserializeBinary(request.signedProposal));
      } catch (error) {
        this.#active.delete(key);
        this.#settle(
          execution,
          undefined,
          new ChaincodeExecutionError(`invalid signed proposal: ${(error as Error).message}`),
        );
        this.#startNext(key);
        return;
      }
    }
    this.#stream.send(message);
  }

  #finish(message: peer.ChaincodeMessage): void {
    const key = transactionKey(message.getChannelId(), message.getTxid());
    const execution = this.#active.get(key);
    if (!execution) {
      this.#options.log?.(
        `ignoring ${messageTypeName(message.getType())} for unknown transaction ${message.getTxid()}`,
      );
      return;
    }
    this.#active.delete(key);
    this.#settle(execution, message);
    this.#startNext(key);
  }

  #startNext(key: string): void {
    const queue = this.#waiting.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.#waiting.delete(key);
    if (next) this.#start(key, next);
  }

  #timeout(key: string, execution: Execution): void {
    const queue = this.#waiting.get(key);
    const index = queue?.indexOf(execution) ?? -1;
    if (queue && index >= 0) {
      queue.splice(index, 1);
      if (queue.length === 0) this.#waiting.delete(key);
    }
    // an active execution stays registered until the chaincode answers, so that its late messages are not
    // mistaken for those of the next simulation of the same txid
    this.#settle(execution, undefined, new ChaincodeExecutionError(ERROR_EXECUTION_TIMEOUT));
  }

  #settle(execution: Execution, message?: peer.ChaincodeMessage, error?: Error): void {
    if (execution.timer) clearTimeout(execution.timer);
    execution.context.iterators.clear();
    if (execution.abandoned) return;
    execution.abandoned = true;
    if (message) execution.resolve(message);
    else execution.reject(error ?? new ChaincodeExecutionError(ERROR_STREAM_TERMINATED));
  }

  async #handleStateRequest(message: peer.ChaincodeMessage): Promise<void> {
    const execution = this.#active.get(transactionKey(message.getChannelId(), message.getTxid()));
    if (!execution || execution.abandoned) {
      this.#stream.send(errorReply(message, stateRequestFailure(message, 'no ledger context')));
      return;
    }
    if (execution.busy) {
      this.#stream.send(
        errorReply(message, stateRequestFailure(message, 'another request is pending for this transaction')),
      );
      return;
    }
    execution.busy = true;
    let reply: peer.ChaincodeMessage;
    try {
      const payload = await answerStateRequest(message, execution.context, this.#options.invoke);
      reply = newMessage(MessageType.RESPONSE, {
        txid: message.getTxid(),
        channelId: message.getChannelId(),
        payload,
      });
    } catch (error) {
      reply = errorReply(message, stateRequestFailure(message, (error as Error).message));
    } finally {
      execution.busy = false;
    }
    if (this.#state !== 'closed') this.#stream.send(reply);
  }
}
