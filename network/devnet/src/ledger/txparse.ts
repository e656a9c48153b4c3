/**
 * Extracts what the ledger needs from a block's transaction envelope:
 * Envelope.payload → Payload{header.channel_header (tx id, type, timestamp), data → Transaction.actions[0].payload →
 * ChaincodeActionPayload.action.proposal_response_payload → ProposalResponsePayload.extension → ChaincodeAction.results}.
 */
import { common, peer, ledger } from '@hyperledger/fabric-protos';

export interface ParsedTx {
  readonly txId: string;
  /** common.HeaderType of the channel header. */
  readonly type: number;
  readonly timestampMillis: number;
  /** The endorser transaction's `TxReadWriteSet`; undefined for other transaction types. */
  readonly rwset?: ledger.rwset.TxReadWriteSet;
}

/** Thrown when an envelope or its rwset cannot be decoded; `badRwSet` distinguishes the rwset from the envelope. */
export class TxParseError extends Error {
  constructor(
    message: string,
    readonly badRwSet: boolean,
    readonly txId = '',
  ) {
    super(message);
    this.name = 'TxParseError';
  }
}

export function parseTransaction(envelopeBytes: Uint8Array): ParsedTx {
  let txId = '';
  let type: number;
  let timestampMillis: number;
  let payload: common.Payload;
  try {
    const env = common.Envelope.deserializeBinary(envelopeBytes);
    payload = common.Payload.deserializeBinary(env.getPayload_asU8());
    const header = payload.getHeader();
    if (header === undefined) {
      throw new Error('missing header');
    }
    const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    txId = ch.getTxId();
    type = ch.getType();
    const ts = ch.getTimestamp();
    timestampMillis = ts === undefined ? 0 : ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6);
  } catch (e) {
    throw new TxParseError(`cannot decode transaction envelope: ${(e as Error).message}`, false, txId);
  }
  if (type !== common.HeaderType.ENDORSER_TRANSACTION) {
    return { txId, type, timestampMillis };
  }
  try {
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = tx.getActionsList()[0];
    if (action === undefined) {
      throw new Error('transaction has no actions');
    }
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const endorsed = cap.getAction();
    if (endorsed === undefined) {
      throw new Error('missing endorsed action');
    }
    const prp = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const cca = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(cca.getResults_asU8());
    return { txId, type, timestampMillis, rwset };
  } catch (e) {
    throw new TxParseError(`cannot decode read-write set: ${(e as Error).message}`, true, txId);
  }
}
