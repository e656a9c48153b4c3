import type { NotEndorsed, OrgEndorser } from '../endorser/endorser';
import { ProposalValidationError, validateProposal, type UnpackedProposal } from '../endorser/proposal';
import type { ChaincodeDefinitions } from '../lifecycle/definitions';
import type { MspManager } from '../msp/types';
import type { OrderingService } from '../orderer/types';
import type { CommitNotifier } from '../peer/notifier';
import type { TransientStore } from '../peer/transientstore';
import type { EndorsementPlanner } from '../policy/ports';
import type { ChannelAcl } from './acl';
import type { ErrorDetailInfo } from './errors';
import type { BlockSource } from './ports';

/** What the gateway service works with; each RPC is a function of these. */
export interface GatewayOptions {
  readonly channelId: string;
  /** Endpoint reported in ErrorDetail.address (every org's peer is this one process). */
  readonly address: string;
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

/** The organisation whose peer the client "connected to": its own when it is a channel member, else the first. */
export function gatewayOrg(options: GatewayOptions, up: UnpackedProposal): string {
  if (options.endorsers.has(up.creatorMspId)) return up.creatorMspId;
  const first = options.endorsers.keys().next();
  return first.done ? '' : first.value;
}

/** gateway.ErrorDetail of one endorser's failure (apiutils.go errorDetail). */
export function errorDetail(options: GatewayOptions, mspId: string, message: string): ErrorDetailInfo {
  return { address: options.address, mspId, message };
}

/**
 * The endorser's proposal checks (core/endorser preProcess), done once per proposal: every organisation's peer
 * would reach the same verdict. A failure is what that peer answers, "error validating proposal: …".
 */
export function validateFor(
  options: GatewayOptions,
  up: UnpackedProposal,
  org: string,
): NotEndorsed | undefined {
  try {
    validateProposal(up, options.mspManager, (identity) => options.acl.isWriter(identity));
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

/** Organisations that can run the chaincode, the gateway's own first (registry.go evaluator / endorsersByOrg). */
export function orgsWithChaincode(options: GatewayOptions, up: UnpackedProposal): string[] {
  if (up.channelId !== options.channelId || !options.definitions.has(up.chaincodeName)) return [];
  const local = gatewayOrg(options, up);
  return [local, ...[...options.endorsers.keys()].filter((org) => org !== local)];
}
