import { createHash, randomBytes } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';

export interface ProposalSpec {
  readonly channelId: string;
  readonly chaincodeName: string;
  readonly mspId: string;
  readonly certPem: string;
  readonly args: readonly string[];
  readonly transient?: Readonly<Record<string, string>>;
  readonly timestampMillis?: number;
}

export interface BuiltProposal {
  readonly txId: string;
  readonly signedProposal: Uint8Array;
  readonly args: Uint8Array[];
}

/**
 * A proposal shaped as @hyperledger/fabric-gateway builds it (tx id = SHA-256(nonce ‖ creator)), so the real shim
 * decodes creator, transient map, timestamp and binding from it. The signature is not checked by the runtime.
 */
export function buildProposal(spec: ProposalSpec): BuiltProposal {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(spec.mspId);
  creator.setIdBytes(Buffer.from(spec.certPem, 'utf8'));
  const creatorBytes = creator.serializeBinary();
  const nonce = randomBytes(24);
  const txId = createHash('sha256').update(nonce).update(creatorBytes).digest('hex');

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(spec.chaincodeName);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);
  const millis = spec.timestampMillis ?? 1_700_000_000_123;
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(millis / 1000));
  timestamp.setNanos((millis % 1000) * 1_000_000);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(txId);
  channelHeader.setChannelId(spec.channelId);
  channelHeader.setTimestamp(timestamp);
  channelHeader.setEpoch(0);
  channelHeader.setExtension$(extension.serializeBinary());
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creatorBytes);
  signatureHeader.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const args = spec.args.map((arg) => new Uint8Array(Buffer.from(arg, 'utf8')));
  const input = new peer.ChaincodeInput();
  input.setArgsList(args);
  const chaincodeSpec = new peer.ChaincodeSpec();
  chaincodeSpec.setType(peer.ChaincodeSpec.Type.NODE);
  chaincodeSpec.setChaincodeId(chaincodeId);
  chaincodeSpec.setInput(input);
  const invocationSpec = new peer.ChaincodeInvocationSpec();
  invocationSpec.setChaincodeSpec(chaincodeSpec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocationSpec.serializeBinary());
  for (const [name, value] of Object.entries(spec.transient ?? {})) {
    payload.getTransientmapMap().set(name, Buffer.from(value, 'utf8'));
  }

  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());
  const signedProposal = new peer.SignedProposal();
  signedProposal.setProposalBytes(proposal.serializeBinary());
  signedProposal.setSignature(randomBytes(70));
  return { txId, signedProposal: signedProposal.serializeBinary(), args };
}
