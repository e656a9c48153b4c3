import type { common } from '@hyperledger/fabric-protos';
import type { CommitResult } from '../orderer/notifier';

/** Read access to committed blocks and transactions, as the gateway and deliver services need it. */
export interface BlockSource {
  /** Number of committed blocks. */
  readonly height: number;
  getBlock(blockNumber: number): Promise<common.Block | undefined>;
  /** Validation code and block of a committed transaction, or undefined if not (yet) committed. */
  findTransaction(txId: string): Promise<CommitResult | undefined>;
}

/** Chooses which organisations must endorse, from the chaincode's endorsement policy. */
export interface EndorsementPlanner {
  /**
   * Organisations whose endorsements together satisfy the chaincode's policy, starting with `preferred`
   * when it can take part. Throws an Error whose message says why no combination exists.
   */
  planFor(chaincodeName: string, preferred: string): string[];
  /**
   * Organisations additionally needed for key-level (state-based) policies of the keys the endorsed
   * payload writes, given those already endorsing.
   */
  keyLevelOrgs(
    chaincodeName: string,
    proposalResponsePayload: Uint8Array,
    endorsing: readonly string[],
  ): string[];
}

/** Outcome of handing an envelope to the ordering service, as `common.Status` names it. */
export type BroadcastStatus = 'SUCCESS' | 'BAD_REQUEST' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';

export interface BroadcastResult {
  readonly status: BroadcastStatus;
  /** Why the orderer refused (logged; Fabric's gateway reports only the status name). */
  readonly info?: string;
}

/** The ordering service's Broadcast, in-process. */
export interface OrderingService {
  broadcast(envelope: common.Envelope): BroadcastResult;
}

/** Private data produced at endorsement, held until the transaction commits (Fabric's transient store). */
export interface TransientStore {
  put(txId: string, privateRwSet: Uint8Array): void;
}
