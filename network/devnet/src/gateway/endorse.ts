import * as grpc from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import { mismatchMessage, payloadDifferences } from '../endorser/compare';
import type { Endorsed, EndorsementOutcome } from '../endorser/endorser';
import { ProposalFormatError, unpackProposal, type UnpackedProposal } from '../endorser/proposal';
import { PolicyError } from '../policy/types';
import { errorDetail, gatewayOrg, orgsWithChaincode, validateFor, type GatewayOptions } from './context';
import { RpcError, type ErrorDetailInfo } from './errors';
import {
  COLLECT_FAILED,
  ENDORSE_FAILED,
  NO_LOCAL_ENDORSER,
  SIGNED_PROPOSAL_REQUIRED,
  noCombination,
  noEndorsersForOrgs,
  noMetadata,
} from './messages';
import { prepareTransaction } from './prepare';

/**
 * Fabric's Endorse (endorse.go): collects endorsements that satisfy the chaincode's policy and returns the
 * unsigned transaction envelope. Without endorsing organisations from the client, the gateway's own organisation
 * endorses first and ALONE (planFromFirstEndorser): its failure is returned without asking anyone else. Then the
 * plan — the policy and the key-level policies of the keys the first endorsement writes — is endorsed by the others;
 * an organisation that fails or disagrees is left out and another combination tried, as Fabric moves to the next
 * layout of the discovery plan.
 */
export async function endorse(
  options: GatewayOptions,
  request: gateway.EndorseRequest,
): Promise<gateway.EndorseResponse> {
  const signed = request.getProposedTransaction();
  if (!signed || signed.getProposalBytes_asU8().length === 0) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, SIGNED_PROPOSAL_REQUIRED); // endorse.go:30
  }
  const requested = request.getEndorsingOrganizationsList();
  let up: UnpackedProposal;
  try {
    up = unpackProposal(signed);
  } catch (err) {
    if (!(err instanceof ProposalFormatError)) throw err;
    if (err.stage === 'unmarshal') throw new RpcError(grpc.status.INVALID_ARGUMENT, err.message); // endorse.go:34-50
    // no channel or chaincode in the proposal: Fabric looks for endorsers of it and finds none
    if (requested.length > 0) throw new RpcError(grpc.status.UNAVAILABLE, noEndorsersForOrgs(requested));
    throw new RpcError(
      grpc.status.FAILED_PRECONDITION,
      noCombination(noMetadata(err.chaincodeName, err.channelId)),
    );
  }
  const endorsed =
    requested.length > 0 ? await endorseByOrgs(options, up, requested) : await endorseByPolicy(options, up);
  if (endorsed[0]?.privateRwSet) options.transientStore.put(up.txId, endorsed[0].privateRwSet);
  const envelope = prepareTransaction(
    up,
    (endorsed[0] as Endorsed).payload,
    endorsed.map((e) => e.endorsement),
  );
  const response = new gateway.EndorseResponse();
  response.setPreparedTransaction(envelope);
  return response;
}

/** The client chose the organisations and takes responsibility for the policy (registry.go planForOrgs). */
async function endorseByOrgs(
  options: GatewayOptions,
  up: UnpackedProposal,
  requested: readonly string[],
): Promise<Endorsed[]> {
  const available = orgsWithChaincode(options, up);
  const missing = requested.filter((org) => !available.includes(org));
  if (missing.length > 0) throw new RpcError(grpc.status.UNAVAILABLE, noEndorsersForOrgs(missing)); // endorse.go:65
  const orgs = [...new Set(requested)];
  const invalid = validateFor(options, up, orgs[0] as string);
  const outcomes = await Promise.all(
    orgs.map((org) =>
      invalid ? Promise.resolve({ ...invalid, mspId: org }) : endorseWith(options, org, up),
    ),
  );
  const details: ErrorDetailInfo[] = [];
  const endorsed = collect(options, outcomes, undefined, details);
  if (details.length > 0) throw new RpcError(grpc.status.ABORTED, COLLECT_FAILED, details); // endorse.go:108
  return endorsed;
}

async function endorseByPolicy(options: GatewayOptions, up: UnpackedProposal): Promise<Endorsed[]> {
  const first = gatewayOrg(options, up);
  if (!orgsWithChaincode(options, up).includes(first)) {
    // the gateway's organisation cannot endorse it, and no other can either: the chaincode is not on the channel
    if (up.hasTransientData) throw new RpcError(grpc.status.FAILED_PRECONDITION, NO_LOCAL_ENDORSER); // endorse.go:182
    throw new RpcError(
      grpc.status.FAILED_PRECONDITION,
      noCombination(noMetadata(up.chaincodeName, up.channelId)), // endorse.go:187
    );
  }
  const outcome = validateFor(options, up, first) ?? (await endorseWith(options, first, up));
  if (!outcome.ok) {
    throw new RpcError(grpc.status.ABORTED, ENDORSE_FAILED, [errorDetail(options, first, outcome.message)]); // endorse.go:228
  }
  const endorsed = new Map<string, Endorsed>([[first, outcome]]);
  const excluded: string[] = [];
  const details: ErrorDetailInfo[] = [];
  for (;;) {
    let plan: string[];
    try {
      plan = options.planner.plan(up.chaincodeName, {
        proposalResponsePayload: outcome.payload,
        preferred: [...endorsed.keys()],
        excluded,
      });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      if (excluded.length === 0)
        throw new RpcError(grpc.status.FAILED_PRECONDITION, noCombination(err.message)); // endorse.go:264
      throw new RpcError(grpc.status.ABORTED, COLLECT_FAILED, details); // endorse.go:108: no layout left
    }
    const asking = plan.filter((org) => !endorsed.has(org));
    if (asking.length === 0) {
      // the first endorser's payload is the reference; its endorsement counts only if the plan includes it
      return plan.map((org) => endorsed.get(org) as Endorsed);
    }
    const outcomes = await Promise.all(asking.map((org) => endorseWith(options, org, up)));
    for (const [i, org] of asking.entries()) {
      const [agreed] = collect(options, [outcomes[i] as EndorsementOutcome], outcome, details);
      if (agreed) endorsed.set(org, agreed);
      else excluded.push(org);
    }
  }
}

/**
 * Keeps the endorsements that agree with the reference (the first, when none is given); a failure or a different
 * payload becomes an ErrorDetail, as Fabric's plan.addError / processEndorsement record them.
 */
function collect(
  options: GatewayOptions,
  outcomes: readonly EndorsementOutcome[],
  reference: Endorsed | undefined,
  details: ErrorDetailInfo[],
): Endorsed[] {
  const endorsed: Endorsed[] = [];
  let first = reference;
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      details.push(errorDetail(options, outcome.mspId, outcome.message));
      continue;
    }
    first ??= outcome;
    if (!Buffer.from(first.payload).equals(Buffer.from(outcome.payload))) {
      // Fabric's detail is "ProposalResponsePayloads do not match" (endorsement.go:133); the devnet appends what
      // differs, which Fabric only logs
      const message = mismatchMessage(payloadDifferences(first.payload, outcome.payload));
      details.push(errorDetail(options, outcome.mspId, message));
      continue;
    }
    endorsed.push(outcome);
  }
  return endorsed;
}

async function endorseWith(
  options: GatewayOptions,
  org: string,
  up: UnpackedProposal,
): Promise<EndorsementOutcome> {
  const endorser = options.endorsers.get(org);
  if (!endorser) {
    return { ok: false, mspId: org, kind: 'unavailable', message: `no endorser for organization ${org}` };
  }
  return endorser.endorse(up, false);
}
