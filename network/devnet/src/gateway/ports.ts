import type { common } from '@hyperledger/fabric-protos';
import type { CommitResult } from '../peer/notifier';

/** Read access to committed blocks and transactions, as the gateway and deliver services need it. */
export interface BlockSource {
  /** Number of committed blocks. */
  readonly height: number;
  getBlock(blockNumber: number): Promise<common.Block | undefined>;
  /** Validation code and block of a committed transaction, or undefined if not (yet) committed. */
  findTransaction(txId: string): Promise<CommitResult | undefined>;
}
