import type { TxSimulator } from '../ledger/types';
import { QueryIterators } from './query-iterators';

/** A private data access the chaincode asks for, to be checked against the collection's member policy. */
export interface CollectionAccessRequest {
  readonly namespace: string;
  readonly collection: string;
  readonly channelId: string;
  readonly txId: string;
  /** The proposal, whose creator the collection's member policy is evaluated against. */
  readonly signedProposal: Uint8Array;
  readonly access: 'read' | 'write';
}

/** Returns whether the proposal's creator may read / write the collection (Fabric: member policy, memberOnlyRead/Write). */
export type CollectionAccessCheck = (request: CollectionAccessRequest) => boolean;

/**
 * What the peer knows about one execution while the chaincode runs it: the simulator the state calls go to,
 * the namespace (the called chaincode's name), and the open query iterators.
 */
export interface TransactionContext {
  readonly channelId: string;
  readonly txId: string;
  /** Namespace = chaincode name (for chaincode-to-chaincode calls: the called chaincode). */
  readonly namespace: string;
  readonly simulator: TxSimulator;
  readonly signedProposal: Uint8Array;
  readonly isInit: boolean;
  readonly readOnly: boolean;
  /**
   * Identifies one top-level simulation; chaincode-to-chaincode calls inherit it. Two simulations of the same
   * txid (one per endorsing org) have different roots, a call back into a busy chaincode has the same root.
   */
  readonly rootId: string;
  readonly iterators: QueryIterators;
  /** Collection permission check; absent = every collection is readable and writable. */
  readonly collectionAccess?: CollectionAccessCheck;
}

export interface TransactionContextInit {
  readonly channelId: string;
  readonly txId: string;
  readonly namespace: string;
  readonly simulator: TxSimulator;
  readonly signedProposal: Uint8Array;
  readonly isInit?: boolean;
  readonly readOnly?: boolean;
  readonly rootId: string;
  readonly collectionAccess?: CollectionAccessCheck;
}

export function newTransactionContext(init: TransactionContextInit): TransactionContext {
  return {
    channelId: init.channelId,
    txId: init.txId,
    namespace: init.namespace,
    simulator: init.simulator,
    signedProposal: init.signedProposal,
    isInit: init.isInit ?? false,
    readOnly: init.readOnly ?? false,
    rootId: init.rootId,
    iterators: new QueryIterators(),
    collectionAccess: init.collectionAccess,
  };
}
