import * as grpc from '@grpc/grpc-js';
import { gateway, peer } from '@hyperledger/fabric-protos';
import type { Evaluated, NotEndorsed } from '../endorser/endorser';
import { unpackProposal, type UnpackedProposal } from '../endorser/proposal';
import { errorDetail, gatewayOrg, orgsWithChaincode, validateFor, type GatewayOptions } from './context';
import { RpcError, type ErrorDetailInfo } from './errors';
import {
  EVALUATE_FAILED,
  evaluateCallFailed,
  noChannelConfig,
  noEvaluator,
  noLocalEvaluator,
  unpackFailed,
} from './messages';
import { responseStatus } from './response-status';

/** The organisations to ask, in order (registry.go evaluator): the targets, else all, the gateway's own first. */
function evaluationPlan(options: GatewayOptions, up: UnpackedProposal, targets: readonly string[]): string[] {
  const available = orgsWithChaincode(options, up);
  return targets.length === 0 ? available : available.filter((org) => targets.includes(org));
}

/**
 * Fabric's Evaluate (evaluate.go): one endorser simulates the proposal and its response is returned. A peer
 * that could not run the chaincode (Aborted, e.g. "chaincode stream terminated") is retried on the next
 * organisation; a rejected proposal or a chaincode error is returned at once.
 */
export async function evaluate(
  options: GatewayOptions,
  request: gateway.EvaluateRequest,
): Promise<gateway.EvaluateResponse> {
  let up: UnpackedProposal;
  try {
    up = unpackProposal(request.getProposedTransaction());
  } catch (err) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, unpackFailed(messageOf(err))); // evaluate.go:30
  }
  if (up.channelId !== options.channelId) {
    throw new RpcError(grpc.status.UNAVAILABLE, noChannelConfig(up.channelId)); // evaluate.go:35
  }
  let targets = request.getTargetOrganizationsList();
  // transient data without targets stays in the gateway's organisation (evaluate.go:40)
  const transientProtected = up.hasTransientData && targets.length === 0;
  if (transientProtected) targets = [gatewayOrg(options, up)];
  const plan = evaluationPlan(options, up, targets);
  if (plan.length === 0) {
    const reason = noEvaluator(up.chaincodeName, up.channelId);
    throw new RpcError(
      grpc.status.FAILED_PRECONDITION,
      transientProtected ? noLocalEvaluator(reason) : reason,
    ); // evaluate.go:48, :50
  }
  const details: ErrorDetailInfo[] = [];
  let code: grpc.status = grpc.status.ABORTED;
  for (const org of plan) {
    const outcome = validateFor(options, up, org) ?? (await evaluateOn(options, org, up));
    if (outcome.ok) {
      const response = new peer.Response();
      response.setStatus(outcome.response.status);
      response.setMessage(outcome.response.message);
      response.setPayload(outcome.response.payload);
      const result = new gateway.EvaluateResponse();
      result.setResult(response);
      return result;
    }
    details.push(errorDetail(options, org, outcome.message));
    const status = responseStatus(outcome);
    code = status.code;
    if (!status.retry) throw new RpcError(code, evaluateCallFailed(outcome.message), details); // evaluate.go:83
  }
  throw new RpcError(code, EVALUATE_FAILED, details); // evaluate.go:86
}

async function evaluateOn(
  options: GatewayOptions,
  org: string,
  up: UnpackedProposal,
): Promise<Evaluated | NotEndorsed> {
  const endorser = options.endorsers.get(org);
  if (endorser) return endorser.evaluate(up);
  const missing: NotEndorsed = {
    ok: false,
    mspId: org,
    kind: 'unavailable',
    message: `no endorser for organization ${org}`,
  };
  return missing;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
