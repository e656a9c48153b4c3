import { common, msp, peer } from '@hyperledger/fabric-protos';
import { computeTxId } from '../blocks/txid';
import type { Identity, MspManager } from '../msp/types';

/** A client proposal taken apart, as Fabric's `UnpackedProposal` (core/endorser/msgvalidation.go). */
export interface UnpackedProposal {
  readonly signedProposal: peer.SignedProposal;
  /** `SignedProposal` bytes as the chaincode shim receives them. */
  readonly signedProposalBytes: Uint8Array;
  readonly proposal: peer.Proposal;
  readonly header: common.Header;
  readonly channelHeader: common.ChannelHeader;
  readonly signatureHeader: common.SignatureHeader;
  readonly proposalPayload: peer.ChaincodeProposalPayload;
  readonly channelId: string;
  readonly txId: string;
  readonly chaincodeName: string;
  readonly args: Uint8Array[];
  readonly isInit: boolean;
  readonly hasTransientData: boolean;
  /** MSP id claimed by the creator (before validation); '' when the creator is malformed. */
  readonly creatorMspId: string;
}

/**
 * Why a proposal could not even be unpacked (client error → InvalidArgument at the gateway). `unmarshal`: bytes that
 * are not the messages they should be; `content`: well-formed but without a channel or chaincode — Fabric's Endorse
 * does not check these and goes on to find no endorsers for them, which is what `channelId` and `chaincodeName`
 * (as far as they could be read) are for.
 */
export class ProposalFormatError extends Error {
  readonly stage: 'unmarshal' | 'content';
  readonly channelId: string;
  readonly chaincodeName: string;

  constructor(
    options: Readonly<{
      message: string;
      stage: 'unmarshal' | 'content';
      channelId?: string;
      chaincodeName?: string;
      cause?: unknown;
    }>,
  ) {
    super(options.message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ProposalFormatError';
    this.stage = options.stage;
    this.channelId = options.channelId ?? '';
    this.chaincodeName = options.chaincodeName ?? '';
  }
}

/** A proposal that unpacked but failed the endorser's checks (signature, creator, tx id, duplicates). */
export class ProposalValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProposalValidationError';
  }
}

function decode<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ProposalFormatError({
      message: `error unmarshalling ${what}: ${err instanceof Error ? err.message : String(err)}`,
      stage: 'unmarshal',
      cause: err,
    });
  }
}

/** Unpacks a SignedProposal; throws ProposalFormatError with Fabric-like messages. */
export function unpackProposal(signedProposal: peer.SignedProposal | undefined): UnpackedProposal {
  if (!signedProposal || signedProposal.getProposalBytes_asU8().length === 0) {
    throw new ProposalFormatError({ message: 'a signed proposal is required', stage: 'content' });
  }
  const proposal = decode('Proposal', () =>
    peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8()),
  );
  const header = decode('Header', () => common.Header.deserializeBinary(proposal.getHeader_asU8()));
  const channelHeader = decode('ChannelHeader', () =>
    common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()),
  );
  const signatureHeader = decode('SignatureHeader', () =>
    common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()),
  );
  const proposalPayload = decode('ChaincodeProposalPayload', () =>
    peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8()),
  );
  const spec = decode('ChaincodeInvocationSpec', () =>
    peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8()),
  );
  const channelId = channelHeader.getChannelId();
  const content = (message: string, chaincodeName = ''): ProposalFormatError =>
    new ProposalFormatError({ message, stage: 'content', channelId, chaincodeName });
  if (channelId.length === 0) {
    throw content('no channel id provided', spec.getChaincodeSpec()?.getChaincodeId()?.getName());
  }
  const chaincodeSpec = spec.getChaincodeSpec();
  if (!chaincodeSpec) throw content(`no chaincode spec is provided, channel id [${channelId}]`);
  const chaincodeId = chaincodeSpec.getChaincodeId();
  if (!chaincodeId) throw content(`no chaincode id is provided, channel id [${channelId}]`);
  if (chaincodeId.getName().length === 0) {
    throw content(`no chaincode name is provided, channel id [${channelId}]`);
  }
  const input = chaincodeSpec.getInput();
  let creatorMspId = '';
  try {
    creatorMspId = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8()).getMspid();
  } catch {
    creatorMspId = '';
  }
  return {
    signedProposal,
    signedProposalBytes: signedProposal.serializeBinary(),
    proposal,
    header,
    channelHeader,
    signatureHeader,
    proposalPayload,
    channelId,
    txId: channelHeader.getTxId(),
    chaincodeName: chaincodeId.getName(),
    args: input ? input.getArgsList_asU8() : [],
    isInit: input ? input.getIsInit() : false,
    hasTransientData: proposalPayload.getTransientmapMap().getLength() > 0,
    creatorMspId,
  };
}

/**
 * The endorser's checks of core/endorser/msgvalidation.go: header type, epoch, nonce and creator present,
 * tx id computed from them, creator certificate valid for a channel MSP, signature over the proposal bytes.
 * Identity failures are reported as Fabric does — "access denied", without saying why.
 */
export function validateProposal(
  up: UnpackedProposal,
  mspManager: MspManager,
  mayPropose: (identity: Identity) => boolean = () => true,
): Identity {
  const headerType = up.channelHeader.getType();
  if (headerType !== common.HeaderType.ENDORSER_TRANSACTION && headerType !== common.HeaderType.CONFIG) {
    throw new ProposalValidationError(`invalid header type ${headerType}`);
  }
  if (up.channelHeader.getEpoch() !== 0) {
    throw new ProposalValidationError(
      `invalid Epoch in ChannelHeader. Expected 0, got [${up.channelHeader.getEpoch()}]`,
    );
  }
  const nonce = up.signatureHeader.getNonce_asU8();
  const creator = up.signatureHeader.getCreator_asU8();
  if (nonce.length === 0) throw new ProposalValidationError('nonce is empty');
  if (creator.length === 0) throw new ProposalValidationError('creator is empty');
  const expected = computeTxId(nonce, creator);
  if (expected !== up.txId) {
    throw new ProposalValidationError(`incorrectly computed txid '${up.txId}' -- expected '${expected}'`);
  }
  // built only when needed: an Error captures a stack trace, too dear for every proposal
  const denied = (): ProposalValidationError =>
    new ProposalValidationError(
      up.creatorMspId
        ? `access denied: channel [${up.channelId}] creator org [${up.creatorMspId}]`
        : `access denied: channel [${up.channelId}] creator org unknown, creator is malformed`,
    );
  let identity: Identity;
  try {
    identity = mspManager.deserializeIdentity(creator);
  } catch {
    throw denied();
  }
  if (
    !mspManager.verify(
      identity,
      up.signedProposal.getProposalBytes_asU8(),
      up.signedProposal.getSignature_asU8(),
    )
  ) {
    throw denied();
  }
  // The channel's Writers ACL (propose): an application organisation's client or admin.
  if (!mayPropose(identity)) throw denied();
  return identity;
}
