import * as grpc from '@grpc/grpc-js';
import { gateway, peer } from '@hyperledger/fabric-protos';
import { mismatchMessage, payloadDifferences } from '../endorser/compare';
import type { Endorsed, EndorsementOutcome, NotEndorsed, OrgEndorser } from '../endorser/endorser';
import {
  ProposalFormatError,
  ProposalValidationError,
  unpackProposal,
  validateProposal,
  type UnpackedProposal,
} from '../endorser/proposal';
import type { ChaincodeDefinitions } from '../lifecycle/definitions';
import type { MspManager } from '../msp/types';
import type { OrderingService } from '../orderer/types';
import type { CommitNotifier } from '../peer/notifier';
import type { TransientStore } from '../peer/transientstore';
import type { EndorsementPlanner } from '../policy/ports';
import type { ChannelAcl } from './acl';
import { RpcError, type ErrorDetailInfo } from './errors';
import type { BlockSource } from './ports';
import { prepareTransaction } from './prepare';
import { checkSignedRequest } from './signedrequest';

export interface GatewayOptions {
  readonly channelId: string;
  /** Endpoint reported in ErrorDetail.address (every org's peer is this one process). */
  readonly address: string;
  readonly ordererMspId: string;
  readonly mspManager: MspManager;
  readonly definitions: ChaincodeDefinitions;
  /** One endorser per organisation, by MSP id, in channel order. */
  readonly endorsers: ReadonlyMap<string, OrgEndorser>;
  readonly planner: EndorsementPlanner;
  readonly orderer: OrderingService;
  readonly blocks: BlockSource;
  readonly notifier: CommitNotifier;
  readonly transientStore: TransientStore;
  readonly acl: ChannelAcl;
}

/**
 * The logic of Fabric's `gateway.Gateway` service (internal/pkg/gateway): endorse with the organisations the
 * policy needs, evaluate on one, submit to the orderer, wait for commit status. Errors carry Fabric's gRPC
 * codes, messages and ErrorDetails so that fabric-gateway clients see what they would see against Fabric.
 */
export class GatewayServer {
  readonly #options: GatewayOptions;

  constructor(options: GatewayOptions) {
    this.#options = options;
  }

  /** The org whose peer the client "connected to": its own org when it is a channel member. */
  #gatewayOrg(up: UnpackedProposal): string {
    if (this.#options.endorsers.has(up.creatorMspId)) return up.creatorMspId;
    const first = this.#options.endorsers.keys().next();
    return first.done ? '' : first.value;
  }

  #detail(mspId: string, message: string): ErrorDetailInfo {
    return { address: this.#options.address, mspId, message };
  }

  /** Validates once per proposal; a failure is the (first) endorser's rejection. */
  #validate(up: UnpackedProposal, org: string): NotEndorsed | undefined {
    try {
      validateProposal(up, this.#options.mspManager, (identity) => this.#options.acl.isWriter(identity));
      if (up.channelId !== this.#options.channelId) {
        return { ok: false, mspId: org, kind: 'rejected', message: `channel '${up.channelId}' not found` };
      }
      return undefined;
    } catch (err) {
      if (err instanceof ProposalValidationError) {
        return {
          ok: false,
          mspId: org,
          kind: 'rejected',
          message: `error validating proposal: ${err.message}`,
        };
      }
      throw err;
    }
  }

  async #endorseWith(org: string, up: UnpackedProposal, readOnly: boolean): Promise<EndorsementOutcome> {
    const endorser = this.#options.endorsers.get(org);
    if (!endorser)
      return { ok: false, mspId: org, kind: 'unavailable', message: `no endorser for organization ${org}` };
    return endorser.endorse(up, readOnly);
  }

  async evaluate(request: gateway.EvaluateRequest): Promise<gateway.EvaluateResponse> {
    let up: UnpackedProposal;
    try {
      up = unpackProposal(request.getProposedTransaction());
    } catch (err) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `failed to unpack transaction proposal: ${messageOf(err)}`,
      );
    }
    if (!this.#options.definitions.has(up.chaincodeName) || up.channelId !== this.#options.channelId) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `no peers available to evaluate chaincode ${up.chaincodeName} in channel ${up.channelId}`,
      );
    }
    const targets = request.getTargetOrganizationsList().filter((org) => this.#options.endorsers.has(org));
    if (request.getTargetOrganizationsList().length > 0 && targets.length === 0) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `no peers available to evaluate chaincode ${up.chaincodeName} in channel ${up.channelId} for organizations ${request.getTargetOrganizationsList().join(', ')}`,
      );
    }
    const orgs = targets.length > 0 ? targets : [this.#gatewayOrg(up)];
    const details: ErrorDetailInfo[] = [];
    for (const org of orgs) {
      const endorser = this.#options.endorsers.get(org);
      const outcome =
        this.#validate(up, org) ??
        (endorser
          ? await endorser.evaluate(up)
          : ({
              ok: false,
              mspId: org,
              kind: 'unavailable',
              message: `no endorser for organization ${org}`,
            } as const));
      if (outcome.ok) {
        const response = new peer.Response();
        response.setStatus(outcome.response.status);
        response.setMessage(outcome.response.message);
        response.setPayload(outcome.response.payload);
        const result = new gateway.EvaluateResponse();
        result.setResult(response);
        return result;
      }
      details.push(this.#detail(org, outcome.message));
      if (outcome.kind === 'chaincode') {
        throw new RpcError(
          grpc.status.UNKNOWN,
          `evaluate call to endorser returned error: ${outcome.message}`,
          details,
        );
      }
      if (outcome.kind === 'rejected') {
        throw new RpcError(
          grpc.status.FAILED_PRECONDITION,
          `evaluate call to endorser returned error: ${outcome.message}`,
          details,
        );
      }
      // unavailable: retry on the next organisation, as Fabric retries on the next peer
    }
    throw new RpcError(
      grpc.status.ABORTED,
      'failed to evaluate transaction, see attached details for more info',
      details,
    );
  }

  async endorse(request: gateway.EndorseRequest): Promise<gateway.EndorseResponse> {
    const signed = request.getProposedTransaction();
    if (!signed || signed.getProposalBytes_asU8().length === 0) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'the proposed transaction must contain a signed proposal',
      );
    }
    let up: UnpackedProposal;
    try {
      up = unpackProposal(signed);
    } catch (err) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, messageOf(err));
    }
    const requested = request.getEndorsingOrganizationsList();
    const outcomes =
      requested.length > 0 ? await this.#endorseByOrgs(up, requested) : await this.#endorseByPolicy(up);
    return this.#assemble(up, outcomes);
  }

  /** The client chose the organisations (and takes responsibility for the policy), as Fabric's planForOrgs. */
  async #endorseByOrgs(up: UnpackedProposal, requested: readonly string[]): Promise<EndorsementOutcome[]> {
    const unknown = requested.filter((org) => !this.#options.endorsers.has(org));
    if (unknown.length > 0 || !this.#options.definitions.has(up.chaincodeName)) {
      throw new RpcError(
        grpc.status.UNAVAILABLE,
        `failed to find any endorsing peers for org(s): ${(unknown.length > 0 ? unknown : requested).join(', ')}`,
      );
    }
    const orgs = [...new Set(requested)];
    const invalid = this.#validate(up, orgs[0] ?? '');
    return Promise.all(
      orgs.map((org) => (invalid ? { ...invalid, mspId: org } : this.#endorseWith(org, up, false))),
    );
  }

  /**
   * The gateway plans from the chaincode's policy, its own organisation first (Fabric's planFromFirstEndorser),
   * then adds the organisations that key-level policies of the written keys need.
   */
  async #endorseByPolicy(up: UnpackedProposal): Promise<EndorsementOutcome[]> {
    if (!this.#options.definitions.has(up.chaincodeName) || up.channelId !== this.#options.channelId) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode ${up.chaincodeName} in channel ${up.channelId}`,
      );
    }
    const preferred = this.#gatewayOrg(up);
    let plan: string[];
    try {
      plan = this.#options.planner.planFor(up.chaincodeName, preferred);
    } catch (err) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, messageOf(err));
    }
    // The planned organisations are asked at the same time (a real gateway asks the others after the first
    // answers — the outcome and the errors reported are the same, the latency lower).
    const firstOrg = plan[0] ?? preferred;
    const invalid = this.#validate(up, firstOrg);
    const outcomes = await Promise.all(
      plan.map((org) => (invalid ? { ...invalid, mspId: org } : this.#endorseWith(org, up, false))),
    );
    const first = outcomes[0];
    if (!first?.ok) {
      throw new RpcError(
        grpc.status.ABORTED,
        'failed to endorse transaction, see attached details for more info',
        [this.#detail(firstOrg, first?.message ?? 'no endorser')],
      );
    }
    const extra = this.#options.planner.keyLevelOrgs(up.chaincodeName, first.payload, plan);
    outcomes.push(...(await Promise.all(extra.map((org) => this.#endorseWith(org, up, false)))));
    return outcomes;
  }

  /** Checks the endorsements agree and builds the unsigned transaction envelope (Fabric's prepareTransaction). */
  #assemble(up: UnpackedProposal, outcomes: readonly EndorsementOutcome[]): gateway.EndorseResponse {
    const details: ErrorDetailInfo[] = [];
    let reference: Endorsed | undefined;
    const endorsed: Endorsed[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        details.push(
          this.#detail(
            outcome.mspId,
            outcome.kind === 'chaincode' ? (outcome.response?.message ?? outcome.message) : outcome.message,
          ),
        );
        continue;
      }
      if (!reference) {
        reference = outcome;
        endorsed.push(outcome);
        continue;
      }
      if (!Buffer.from(reference.payload).equals(Buffer.from(outcome.payload))) {
        details.push(
          this.#detail(
            outcome.mspId,
            mismatchMessage(payloadDifferences(reference.payload, outcome.payload)),
          ),
        );
        continue;
      }
      endorsed.push(outcome);
    }
    if (details.length > 0 || !reference) {
      throw new RpcError(
        grpc.status.ABORTED,
        'failed to collect enough transaction endorsements, see attached details for more info',
        details,
      );
    }
    if (reference.privateRwSet) this.#options.transientStore.put(up.txId, reference.privateRwSet);
    const envelope = prepareTransaction(
      up,
      reference.payload,
      endorsed.map((e) => e.endorsement),
    );
    const response = new gateway.EndorseResponse();
    response.setPreparedTransaction(envelope);
    return response;
  }

  submit(request: gateway.SubmitRequest): gateway.SubmitResponse {
    const envelope = request.getPreparedTransaction();
    if (!envelope) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'a prepared transaction is required');
    if (envelope.getSignature_asU8().length === 0) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'prepared transaction must be signed');
    }
    if (request.getChannelId() !== this.#options.channelId) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, `channel '${request.getChannelId()}' not found`);
    }
    const result = this.#options.orderer.broadcast(envelope);
    if (result.status === 'SUCCESS') return new gateway.SubmitResponse();
    const message = `received unsuccessful response from orderer: ${result.status}`;
    const code = result.status === 'SERVICE_UNAVAILABLE' ? grpc.status.UNAVAILABLE : grpc.status.ABORTED;
    throw new RpcError(code, message, [
      {
        address: this.#options.address,
        mspId: this.#options.ordererMspId,
        message: `rpc error: code = ${grpc.status[code]} desc = ${message}`,
      },
    ]);
  }

  async commitStatus(
    signed: gateway.SignedCommitStatusRequest,
    signal: AbortSignal,
  ): Promise<gateway.CommitStatusResponse> {
    if (signed.getRequest_asU8().length === 0) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'a commit status request is required');
    }
    let request: gateway.CommitStatusRequest;
    try {
      request = gateway.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
    } catch (err) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid status request: ${messageOf(err)}`);
    }
    checkSignedRequest(this.#options.mspManager, this.#options.acl, this.#options.channelId, 'CommitStatus', {
      channelId: request.getChannelId(),
      identity: request.getIdentity_asU8(),
      data: signed.getRequest_asU8(),
      signature: signed.getSignature_asU8(),
    });
    if (request.getChannelId() !== this.#options.channelId) {
      throw new RpcError(grpc.status.NOT_FOUND, `channel ${request.getChannelId()} not found`);
    }
    // Register before looking the transaction up, so a commit in between is not missed (as Fabric).
    const wait = this.#options.notifier.waitForTransaction(request.getTransactionId());
    try {
      const found = await this.#options.blocks.findTransaction(request.getTransactionId());
      const result =
        found ??
        (await Promise.race([
          wait.promise,
          new Promise<never>((_resolve, reject) => {
            const onAbort = (): void => reject(new RpcError(grpc.status.CANCELLED, 'context canceled'));
            if (signal.aborted) onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
          }),
        ]));
      const response = new gateway.CommitStatusResponse();
      response.setResult(result.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      response.setBlockNumber(result.blockNumber);
      return response;
    } finally {
      wait.cancel();
    }
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof ProposalFormatError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
