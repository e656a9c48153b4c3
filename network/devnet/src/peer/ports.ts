import type { common } from '@hyperledger/fabric-protos';

/** A key whose committed version differed from the one the transaction read. */
export interface ConflictInfo {
  readonly namespace: string;
  readonly key: string;
  /** "blockNum:txNum" read by the transaction, or undefined when it read no value. */
  readonly readVersion?: string;
  /** "blockNum:txNum" committed, or undefined when the key is gone. */
  readonly committedVersion?: string;
  /** e.g. 'mvcc' | 'phantom' | 'duplicate'. */
  readonly kind: string;
}

export interface CommitOutcome {
  /** Final TxValidationCode per transaction. */
  readonly codes: readonly number[];
  /** Conflicts by transaction index. */
  readonly conflicts: ReadonlyMap<number, ConflictInfo>;
}

/** What the committer needs from the ledger. */
export interface CommitterLedger {
  readonly height: number;
  readonly lastBlockHash: Uint8Array;
  /** Final validation (MVCC, phantom, duplicates), durable append and state update. */
  commitBlock(
    block: common.Block,
    preCodes: readonly number[],
    privateData: ReadonlyMap<number, Uint8Array>,
  ): Promise<CommitOutcome>;
  getCommittedStateMetadata(namespace: string, key: string): Map<string, Uint8Array> | undefined;
  hasTransaction(txId: string): boolean;
}

/** Builds signed blocks the way Fabric's orderer does. */
export interface BlockFactory {
  newBlock(number: number, previousHash: Uint8Array, envelopes: readonly Uint8Array[]): common.Block;
}
