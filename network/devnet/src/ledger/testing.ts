/**
 * Test helpers: minimal but well-formed ENDORSER_TRANSACTION / CONFIG envelopes and chained blocks, so ledger tests
 * (and the integrator's) can commit simulated rwsets without the endorser, orderer or signatures.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { SimulationResults, TxSimulator } from './types';
import { blockDataHash } from './blockhash';
import type { BlockPrivateData, CommitOutcome, Ledger } from './ledger';

export interface EndorserTxOptions {
  readonly channelId: string;
  readonly txId: string;
  /** Serialised `rwset.TxReadWriteSet` (a simulator's `publicRwSet`). */
  readonly rwset: Uint8Array;
  readonly chaincodeName?: string;
  readonly timestampMillis?: number;
  readonly event?: { readonly name: string; readonly payload: Uint8Array };
}

function timestamp(millis: number): Timestamp {
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(millis / 1000));
  ts.setNanos((millis % 1000) * 1e6);
  return ts;
}

function envelope(channelHeader: common.ChannelHeader, data: Uint8Array): Uint8Array {
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(new common.SignatureHeader().serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(data);
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

/** An unsigned ENDORSER_TRANSACTION envelope carrying `rwset` as the chaincode action's results. */
export function buildEndorserTxEnvelope(options: EndorserTxOptions): Uint8Array {
  const chaincodeName = options.chaincodeName ?? 'basic';
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.ENDORSER_TRANSACTION);
  ch.setChannelId(options.channelId);
  ch.setTxId(options.txId);
  ch.setTimestamp(timestamp(options.timestampMillis ?? 0));

  const ccId = new peer.ChaincodeID();
  ccId.setName(chaincodeName);
  const response = new peer.Response();
  response.setStatus(200);
  const action = new peer.ChaincodeAction();
  action.setResults(options.rwset);
  action.setResponse(response);
  action.setChaincodeId(ccId);
  if (options.event !== undefined) {
    const ev = new peer.ChaincodeEvent();
    ev.setChaincodeId(chaincodeName);
    ev.setTxId(options.txId);
    ev.setEventName(options.event.name);
    ev.setPayload(options.event.payload);
    action.setEvents(ev.serializeBinary());
  }
  const prp = new peer.ProposalResponsePayload();
  prp.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());
  const cap = new peer.ChaincodeActionPayload();
  cap.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(txAction);
  return envelope(ch, tx.serializeBinary());
}

/** A CONFIG envelope with an empty config (enough for a genesis block in ledger tests). */
export function buildConfigTxEnvelope(channelId: string, txId = ''): Uint8Array {
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.CONFIG);
  ch.setChannelId(channelId);
  ch.setTxId(txId);
  return envelope(ch, new common.ConfigEnvelope().serializeBinary());
}

/** A block with correct data hash, previous hash and five empty metadata slots. */
export function buildBlock(
  number: number,
  previousHash: Uint8Array,
  envelopes: readonly Uint8Array[],
): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(previousHash);
  header.setDataHash(blockDataHash(envelopes));
  const data = new common.BlockData();
  data.setDataList([...envelopes]);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList(Array.from({ length: 5 }, () => new Uint8Array(0)));
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/** Builds the next block on `ledger` and commits it (all pre-codes VALID unless given). */
export function commitEnvelopes(
  ledger: Ledger,
  envelopes: readonly Uint8Array[],
  options: { preCodes?: readonly number[]; privateData?: BlockPrivateData } = {},
): Promise<CommitOutcome> {
  const block = buildBlock(ledger.height, ledger.lastBlockHash, envelopes);
  return ledger.commitBlock(block, options.preCodes ?? envelopes.map(() => 0), options.privateData);
}

/** A simulated transaction ready to be put in a block. */
export interface SimulatedTx {
  readonly txId: string;
  readonly envelope: Uint8Array;
  readonly results: SimulationResults;
}

/** Runs `body` on a fresh simulator, ends it and wraps the public rwset in an envelope. */
export function simulateTx(
  ledger: Ledger,
  txId: string,
  body: (sim: TxSimulator) => void,
  options: { chaincodeName?: string; timestampMillis?: number } = {},
): SimulatedTx {
  const sim = ledger.newSimulator(txId);
  body(sim);
  const results = sim.done();
  const envelope = buildEndorserTxEnvelope({
    channelId: ledger.channelId,
    txId,
    rwset: results.publicRwSet,
    ...(options.chaincodeName !== undefined ? { chaincodeName: options.chaincodeName } : {}),
    ...(options.timestampMillis !== undefined ? { timestampMillis: options.timestampMillis } : {}),
  });
  return { txId, envelope, results };
}
