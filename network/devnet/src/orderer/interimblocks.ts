// Interim block building until src/blocks lands; replaced by it.
import { common } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { blockDataHash } from '../ledger';
import type { SigningIdentity } from '../msp/types';

export function newBlock(number: number, previousHash: Uint8Array, envelopes: readonly Uint8Array[]): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(previousHash);
  header.setDataHash(blockDataHash(envelopes));
  const data = new common.BlockData();
  data.setDataList([...envelopes]);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList([new Uint8Array(), new Uint8Array(), new Uint8Array(), new Uint8Array(), new Uint8Array()]);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

export function signBlock(block: common.Block, _signer: SigningIdentity, _lastConfig: number): common.Block {
  return block;
}

export function genesisConfigBlock(channelId: string, _material: unknown, ts: number): common.Block {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG);
  channelHeader.setChannelId(channelId);
  channelHeader.setTimestamp(Timestamp.fromDate(new Date(ts)));
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const config = new common.Config();
  config.setChannelGroup(new common.ConfigGroup());
  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(config);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return newBlock(0, new Uint8Array(), [envelope.serializeBinary()]);
}
