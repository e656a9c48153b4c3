import type { gateway } from '@hyperledger/fabric-protos';
import { commitStatus } from './commitstatus';
import type { GatewayOptions } from './context';
import { endorse } from './endorse';
import { evaluate } from './evaluate';
import { submit } from './submit';

export type { GatewayOptions } from './context';

/**
 * The logic of Fabric's `gateway.Gateway` service (internal/pkg/gateway): endorse with the organisations the
 * policy needs, evaluate on one, submit to the orderer, wait for commit status. Errors carry Fabric's gRPC
 * codes, messages and ErrorDetails so that fabric-gateway clients see what they would see against Fabric
 * (`messages.ts` names the Go source of each).
 */
export class GatewayServer {
  readonly #options: GatewayOptions;

  constructor(options: GatewayOptions) {
    this.#options = options;
  }

  evaluate(request: gateway.EvaluateRequest): Promise<gateway.EvaluateResponse> {
    return evaluate(this.#options, request);
  }

  endorse(request: gateway.EndorseRequest): Promise<gateway.EndorseResponse> {
    return endorse(this.#options, request);
  }

  submit(request: gateway.SubmitRequest): gateway.SubmitResponse {
    return submit(this.#options, request);
  }

  commitStatus(
    signed: gateway.SignedCommitStatusRequest,
    signal: AbortSignal,
  ): Promise<gateway.CommitStatusResponse> {
    return commitStatus(this.#options, signed, signal);
  }
}
