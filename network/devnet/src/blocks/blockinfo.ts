import { common, peer } from '@hyperledger/fabric-protos';

/** What clients and event streams need to know about one transaction of a committed block. */
export interface TransactionInfo {
  readonly index: number;
  readonly txId: string;
  readonly type: number;
  /** TxValidationCode from the block's TRANSACTIONS_FILTER metadata. */
  readonly code: number;
  /** Chaincode events the transaction's actions carry (whether or not it is valid). */
  readonly events: peer.ChaincodeEvent[];
}

/** The TRANSACTIONS_FILTER metadata: one validation code byte per transaction. */
export function transactionsFilter(block: common.Block): Uint8Array {
  const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
  return metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
}

function actionEvents(transaction: peer.Transaction): peer.ChaincodeEvent[] {
  const events: peer.ChaincodeEvent[] = [];
  for (const action of transaction.getActionsList()) {
    try {
      const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const prp = cap.getAction()?.getProposalResponsePayload_asU8();
      if (!prp) continue;
      const extension = peer.ProposalResponsePayload.deserializeBinary(prp).getExtension_asU8();
      const eventBytes = peer.ChaincodeAction.deserializeBinary(extension).getEvents_asU8();
      if (eventBytes.length > 0) events.push(peer.ChaincodeEvent.deserializeBinary(eventBytes));
    } catch {
      // a malformed action carries no event; validation has already marked the transaction
    }
  }
  return events;
}

/** Parses every transaction of a block leniently: malformed envelopes yield an entry with what could be read. */
export function blockTransactions(block: common.Block): TransactionInfo[] {
  const filter = transactionsFilter(block);
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  return envelopes.map((bytes, index) => {
    let txId = '';
    let type = -1;
    let events: peer.ChaincodeEvent[] = [];
    try {
      const payload = common.Payload.deserializeBinary(
        common.Envelope.deserializeBinary(bytes).getPayload_asU8(),
      );
      const channelHeader = common.ChannelHeader.deserializeBinary(
        payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
      );
      txId = channelHeader.getTxId();
      type = channelHeader.getType();
      if (type === common.HeaderType.ENDORSER_TRANSACTION) {
        events = actionEvents(peer.Transaction.deserializeBinary(payload.getData_asU8()));
      }
    } catch {
      // left with defaults
    }
    return { index, txId, type, code: filter[index] ?? peer.TxValidationCode.NOT_VALIDATED, events };
  });
}

/** Name of a TxValidationCode ("MVCC_READ_CONFLICT"), as Fabric prints it. */
export function validationCodeName(code: number): string {
  for (const [name, value] of Object.entries(peer.TxValidationCode)) {
    if (value === code) return name;
  }
  return `UNKNOWN(${code})`;
}
