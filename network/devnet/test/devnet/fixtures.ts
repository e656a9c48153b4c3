import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { common, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { computeTxId } from '../../src/blocks/txid';
import {
  createMspManager,
  ensureNetworkMaterial,
  signingIdentityFrom,
  type NetworkMaterial,
} from '../../src/msp';
import type { MspManager, SigningIdentity } from '../../src/msp/types';

export interface Material {
  readonly dir: string;
  readonly material: NetworkMaterial;
  readonly msp: MspManager;
  cleanup(): Promise<void>;
}

/** Crypto material for `orgs` organisations in a temp folder. */
export async function makeMaterial(orgs = 2): Promise<Material> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-unit-'));
  const material = await ensureNetworkMaterial(dir, orgs);
  return {
    dir,
    material,
    msp: createMspManager(material),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

export function userOf(material: NetworkMaterial, org = 0): SigningIdentity {
  const files = material.orgs[org]?.user;
  if (!files) throw new Error(`no org ${org}`);
  return signingIdentityFrom(files);
}

export interface ProposalOptions {
  readonly channelId?: string;
  readonly chaincode?: string;
  readonly args?: string[];
  readonly txId?: string;
  readonly epoch?: number;
  readonly transient?: Record<string, string>;
}

/** A SignedProposal built as fabric-gateway builds it (transactioncontext.ts / proposalbuilder.ts). */
export function signedProposal(signer: SigningIdentity, options: ProposalOptions = {}): peer.SignedProposal {
  const channelId = options.channelId ?? 'mychannel';
  const chaincode = options.chaincode ?? 'cc';
  const nonce = randomBytes(24);
  const creator = signer.serialize();
  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(chaincode);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(options.txId ?? computeTxId(nonce, creator));
  channelHeader.setTimestamp(Timestamp.fromDate(new Date()));
  channelHeader.setChannelId(channelId);
  channelHeader.setEpoch(options.epoch ?? 0);
  channelHeader.setExtension$(extension.serializeBinary());
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());
  const input = new peer.ChaincodeInput();
  input.setArgsList((options.args ?? ['fn']).map((a) => Buffer.from(a)));
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  for (const [k, v] of Object.entries(options.transient ?? {}))
    payload.getTransientmapMap().set(k, Buffer.from(v));
  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());
  const signed = new peer.SignedProposal();
  const bytes = proposal.serializeBinary();
  signed.setProposalBytes(bytes);
  signed.setSignature(signer.sign(bytes));
  return signed;
}
