import type { common } from '@hyperledger/fabric-protos';

/** Outcome of handing an envelope to the ordering service, as `common.Status` names it. */
export type BroadcastStatus = 'SUCCESS' | 'BAD_REQUEST' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';

export interface BroadcastResult {
  readonly status: BroadcastStatus;
  /** Why the orderer refused: Fabric's BroadcastResponse.info. */
  readonly info?: string;
}

/** The ordering service's Broadcast, in-process. */
export interface OrderingService {
  broadcast(envelope: common.Envelope): BroadcastResult;
}
