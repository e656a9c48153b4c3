import type * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { Identity, MspManager } from '../msp/types';
import type { OrgEndorser } from './endorser';
import { ProposalFormatError, ProposalValidationError, unpackProposal, validateProposal } from './proposal';

export interface EndorserServiceOptions {
  readonly channelId: string;
  readonly mspManager: MspManager;
  readonly endorsers: ReadonlyMap<string, OrgEndorser>;
  /** Writers ACL (propose). */
  readonly mayPropose?: (identity: Identity) => boolean;
}

function failure(status: number, message: string): peer.ProposalResponse {
  const response = new peer.Response();
  response.setStatus(status);
  response.setMessage(message);
  const result = new peer.ProposalResponse();
  result.setResponse(response);
  return result;
}

/**
 * `protos.Endorser/ProcessProposal` for tools that talk to a peer directly: the proposal is endorsed by the
 * creator's own organisation (the peer it "connected to"), with Fabric's response shape.
 */
export async function processProposal(
  options: EndorserServiceOptions,
  signed: peer.SignedProposal,
): Promise<peer.ProposalResponse> {
  let up;
  try {
    up = unpackProposal(signed);
    validateProposal(up, options.mspManager, options.mayPropose);
  } catch (err) {
    if (err instanceof ProposalFormatError || err instanceof ProposalValidationError) {
      return failure(500, `error validating proposal: ${err.message}`);
    }
    throw err;
  }
  if (up.channelId !== options.channelId) return failure(500, `channel '${up.channelId}' not found`);
  const endorser = options.endorsers.get(up.creatorMspId) ?? options.endorsers.values().next().value;
  if (!endorser) return failure(500, 'no endorser');
  const outcome = await endorser.endorse(up, false);
  if (!outcome.ok)
    return failure(outcome.response?.status ?? 500, outcome.response?.message ?? outcome.message);
  const response = new peer.Response();
  response.setStatus(outcome.response.status);
  response.setMessage(outcome.response.message);
  response.setPayload(outcome.response.payload);
  const result = new peer.ProposalResponse();
  result.setVersion(1);
  result.setTimestamp(Timestamp.fromDate(new Date()));
  result.setResponse(response);
  result.setPayload(outcome.payload);
  result.setEndorsement(outcome.endorsement);
  return result;
}

/** gRPC handlers for `protos.Endorser`. */
export function endorserHandlers(options: EndorserServiceOptions): grpc.UntypedServiceImplementation {
  const handler: grpc.handleUnaryCall<peer.SignedProposal, peer.ProposalResponse> = (call, callback) => {
    processProposal(options, call.request).then(
      (response) => callback(null, response),
      (err: unknown) => callback({ code: 2, details: err instanceof Error ? err.message : String(err) }),
    );
  };
  return { processProposal: handler };
}
