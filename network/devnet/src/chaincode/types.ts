import type { TxSimulator } from '../ledger/types';

/** One execution of a chaincode function inside a simulation. */
export interface ChaincodeInvocation {
  readonly channelId: string;
  readonly txId: string;
  readonly chaincodeName: string;
  /** `ChaincodeInput.args`: function name then arguments. */
  readonly args: Uint8Array[];
  readonly isInit?: boolean;
  /** The client's `peer.SignedProposal` bytes: the shim reads creator, transient data and timestamp from it. */
  readonly signedProposal: Uint8Array;
  readonly simulator: TxSimulator;
  /** Set for evaluate: Fabric allows paginated queries only in read-only transactions. */
  readonly readOnly?: boolean;
}

export interface ChaincodeEventData {
  readonly chaincodeId: string;
  readonly txId: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

export interface ChaincodeResult {
  /** `peer.Response` as the chaincode returned it (status 200, or 500 with a message). */
  readonly status: number;
  readonly message: string;
  readonly payload: Uint8Array;
  readonly event?: ChaincodeEventData;
}

/**
 * Where an execution failed, as Fabric words it (core/chaincode/chaincode_support.go): `launch` — the chaincode
 * could not be started or found ("failed to execute transaction <txid>: could not launch chaincode …"); `send` —
 * the exchange with it failed ("failed to execute transaction <txid>: error sending: chaincode stream terminated");
 * `result` — it answered with ERROR or garbage ("transaction returned with failure: …").
 */
export type ExecutionPhase = 'launch' | 'send' | 'result';

/** Raised when the chaincode could not run at all (not registered, stream terminated, timeout). */
export class ChaincodeExecutionError extends Error {
  readonly phase: ExecutionPhase;

  constructor(message: string, options?: Readonly<{ cause?: unknown; phase?: ExecutionPhase }>) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.phase = options?.phase ?? 'send';
    this.name = 'ChaincodeExecutionError';
  }
}

/** Runs deployed chaincodes: dial-in (ChaincodeSupport.Register) or chaincode-as-a-service (Connect). */
export interface ChaincodeRuntime {
  /** True when a chaincode with this name is connected and ready. */
  isReady(name: string): boolean;
  /** Throws ChaincodeExecutionError when the chaincode cannot run; a chaincode error is a status 500 result. */
  execute(invocation: ChaincodeInvocation): Promise<ChaincodeResult>;
}
