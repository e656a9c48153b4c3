import { common, ledger, peer } from '@hyperledger/fabric-protos';
import { concat } from '../blocks/bytes';
import { computeTxId, proposalHash } from '../blocks/txid';
import type { SignatureCache } from '../msp/signature-cache';
import type { Identity, MspManager } from '../msp/types';
import { VALIDATION_PARAMETER, type PolicyEvaluator } from '../policy/ports';

const Code = peer.TxValidationCode;

/** Result of the committer's checks of one transaction before the ledger's MVCC validation. */
export interface TxCheck {
  readonly txId: string;
  readonly code: number;
  /** Why the transaction is invalid (for logs and `transactionDetail`). */
  readonly reason?: string;
  readonly chaincodeName?: string;
}

export interface ValidatorContext {
  readonly channelId: string;
  readonly msp: MspManager;
  readonly policies: PolicyEvaluator;
  isDeployed(chaincodeName: string): boolean;
  committedMetadata(namespace: string, key: string): Map<string, Uint8Array> | undefined;
  isCommittedTxId(txId: string): boolean;
  /** Signatures already verified or made in this process (skips verifying the same bytes twice). */
  readonly signatures?: SignatureCache;
}

class Invalid extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(code: number, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Invalid(code, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Keys written (values or metadata) in one namespace of a TxReadWriteSet. */
function writtenKeys(rwsetBytes: Uint8Array, namespace: string): { keys: Set<string>; namespaces: string[] } {
  const txrw = parse(Code.BAD_RWSET, 'invalid rwset', () =>
    ledger.rwset.TxReadWriteSet.deserializeBinary(rwsetBytes),
  );
  const keys = new Set<string>();
  const namespaces: string[] = [];
  for (const ns of txrw.getNsRwsetList()) {
    namespaces.push(ns.getNamespace());
    const kv = parse(Code.BAD_RWSET, 'invalid kv rwset', () =>
      ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()),
    );
    if (ns.getNamespace() !== namespace) {
      if (kv.getWritesList().length > 0 || kv.getMetadataWritesList().length > 0) {
        throw new Invalid(
          Code.ILLEGAL_WRITESET,
          `writes to namespace ${ns.getNamespace()} from chaincode ${namespace}`,
        );
      }
      continue;
    }
    for (const write of kv.getWritesList()) keys.add(write.getKey());
    for (const write of kv.getMetadataWritesList()) keys.add(write.getKey());
  }
  return { keys, namespaces };
}

/** Endorsers whose signature over (payload ‖ endorser) verifies, one per distinct identity. */
function validEndorsers(
  ctx: ValidatorContext,
  prp: Uint8Array,
  endorsements: readonly peer.Endorsement[],
): Identity[] {
  const seen = new Set<string>();
  const identities: Identity[] = [];
  for (const endorsement of endorsements) {
    const endorser = endorsement.getEndorser_asU8();
    const key = Buffer.from(endorser).toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const identity = ctx.msp.deserializeIdentity(endorser);
      const message = concat(prp, endorser);
      const signature = endorsement.getSignature_asU8();
      if (ctx.signatures?.has(endorser, message, signature) || ctx.msp.verify(identity, message, signature)) {
        identities.push(identity);
      }
    } catch {
      // an endorsement that does not verify counts for nothing, as in Fabric's policy evaluation
    }
  }
  return identities;
}

function checkEndorsementPolicy(
  ctx: ValidatorContext,
  chaincodeName: string,
  keys: Set<string>,
  endorsers: Identity[],
): void {
  let needsChaincodePolicy = keys.size === 0;
  for (const key of keys) {
    const parameter = ctx.committedMetadata(chaincodeName, key)?.get(VALIDATION_PARAMETER);
    if (parameter && parameter.length > 0) {
      if (!ctx.policies.keyPolicySatisfied(parameter, endorsers)) {
        throw new Invalid(
          Code.ENDORSEMENT_POLICY_FAILURE,
          `key-level endorsement policy of key [${key}] not satisfied`,
        );
      }
    } else {
      needsChaincodePolicy = true;
    }
  }
  if (needsChaincodePolicy && !ctx.policies.chaincodePolicySatisfied(chaincodeName, endorsers)) {
    throw new Invalid(
      Code.ENDORSEMENT_POLICY_FAILURE,
      `endorsement policy of chaincode ${chaincodeName} not satisfied by endorsements from [${endorsers.map((e) => e.mspId).join(', ')}]`,
    );
  }
}

function checkTransaction(ctx: ValidatorContext, bytes: Uint8Array): { txId: string; chaincodeName: string } {
  const envelope = parse(Code.NIL_ENVELOPE, 'invalid envelope', () =>
    common.Envelope.deserializeBinary(bytes),
  );
  if (envelope.getPayload_asU8().length === 0) throw new Invalid(Code.BAD_PAYLOAD, 'envelope has no payload');
  const payload = parse(Code.BAD_PAYLOAD, 'invalid payload', () =>
    common.Payload.deserializeBinary(envelope.getPayload_asU8()),
  );
  const header = payload.getHeader();
  if (!header) throw new Invalid(Code.BAD_COMMON_HEADER, 'missing header');
  const channelHeader = parse(Code.BAD_COMMON_HEADER, 'invalid channel header', () =>
    common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()),
  );
  const signatureHeader = parse(Code.BAD_COMMON_HEADER, 'invalid signature header', () =>
    common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()),
  );
  const txId = channelHeader.getTxId();
  if (channelHeader.getChannelId() !== ctx.channelId) {
    throw new Invalid(Code.TARGET_CHAIN_NOT_FOUND, `channel ${channelHeader.getChannelId()} not found`);
  }
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) {
    throw new Invalid(Code.UNSUPPORTED_TX_PAYLOAD, `unsupported header type ${channelHeader.getType()}`);
  }
  if (channelHeader.getEpoch() !== 0) throw new Invalid(Code.BAD_COMMON_HEADER, 'invalid epoch');
  if (signatureHeader.getNonce_asU8().length === 0 || signatureHeader.getCreator_asU8().length === 0) {
    throw new Invalid(Code.BAD_COMMON_HEADER, 'nonce or creator missing');
  }
  let creatorOk = false;
  try {
    const creatorBytes = signatureHeader.getCreator_asU8();
    const creator = ctx.msp.deserializeIdentity(creatorBytes);
    creatorOk =
      ctx.signatures?.has(creatorBytes, envelope.getPayload_asU8(), envelope.getSignature_asU8()) ||
      ctx.msp.verify(creator, envelope.getPayload_asU8(), envelope.getSignature_asU8());
  } catch {
    creatorOk = false;
  }
  if (!creatorOk)
    throw new Invalid(Code.BAD_CREATOR_SIGNATURE, 'creator certificate or signature is not valid');
  if (computeTxId(signatureHeader.getNonce_asU8(), signatureHeader.getCreator_asU8()) !== txId) {
    throw new Invalid(Code.BAD_PROPOSAL_TXID, `tx id ${txId} does not match nonce and creator`);
  }

  const transaction = parse(Code.BAD_PAYLOAD, 'invalid transaction', () =>
    peer.Transaction.deserializeBinary(payload.getData_asU8()),
  );
  const actions = transaction.getActionsList();
  if (actions.length !== 1)
    throw new Invalid(
      Code.BAD_PAYLOAD,
      `only one action per transaction is supported, tx contains ${actions.length}`,
    );
  const action = actions[0] as peer.TransactionAction;
  if (!Buffer.from(action.getHeader_asU8()).equals(Buffer.from(header.getSignatureHeader_asU8()))) {
    throw new Invalid(
      Code.INVALID_ENDORSER_TRANSACTION,
      'action header differs from the transaction signature header',
    );
  }
  const cap = parse(Code.INVALID_ENDORSER_TRANSACTION, 'invalid chaincode action payload', () =>
    peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()),
  );
  const endorsed = cap.getAction();
  if (!endorsed) throw new Invalid(Code.INVALID_ENDORSER_TRANSACTION, 'no endorsed action');
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  const prp = parse(Code.INVALID_ENDORSER_TRANSACTION, 'invalid proposal response payload', () =>
    peer.ProposalResponsePayload.deserializeBinary(prpBytes),
  );
  const expectedHash = Buffer.from(proposalHash(header, cap.getChaincodeProposalPayload_asU8()));
  if (!Buffer.from(prp.getProposalHash_asU8()).equals(expectedHash)) {
    throw new Invalid(Code.INVALID_ENDORSER_TRANSACTION, 'proposal hash does not match the transaction');
  }
  const chaincodeAction = parse(Code.INVALID_ENDORSER_TRANSACTION, 'invalid chaincode action', () =>
    peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8()),
  );
  const extension = parse(Code.BAD_HEADER_EXTENSION, 'invalid chaincode header extension', () =>
    peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8()),
  );
  const chaincodeName =
    chaincodeAction.getChaincodeId()?.getName() ?? extension.getChaincodeId()?.getName() ?? '';
  if (!ctx.isDeployed(chaincodeName))
    throw new Invalid(Code.INVALID_CHAINCODE, `chaincode ${chaincodeName} is not deployed`);

  const { keys } = writtenKeys(chaincodeAction.getResults_asU8(), chaincodeName);
  const endorsers = validEndorsers(ctx, prpBytes, endorsed.getEndorsementsList());
  checkEndorsementPolicy(ctx, chaincodeName, keys, endorsers);
  return { txId, chaincodeName };
}

function txIdOf(bytes: Uint8Array): string {
  try {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(bytes).getPayload_asU8(),
    );
    return common.ChannelHeader.deserializeBinary(
      payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
    ).getTxId();
  } catch {
    return '';
  }
}

/**
 * The committer's per-transaction checks of core/committer/txvalidator and core/common/validation: envelope
 * and headers, creator signature, tx id, proposal hash, chaincode, endorsement signatures and policy
 * (key-level VALIDATION_PARAMETER first, else the chaincode policy), duplicate tx ids. MVCC and phantom
 * reads are left to the ledger, which sees the block's writes in order.
 */
export function validateTransactions(ctx: ValidatorContext, envelopes: readonly Uint8Array[]): TxCheck[] {
  const seenInBlock = new Set<string>();
  return envelopes.map((bytes) => {
    try {
      const { txId, chaincodeName } = checkTransaction(ctx, bytes);
      if (seenInBlock.has(txId) || ctx.isCommittedTxId(txId)) {
        return { txId, code: Code.DUPLICATE_TXID, reason: `duplicate transaction id ${txId}`, chaincodeName };
      }
      seenInBlock.add(txId);
      return { txId, code: Code.VALID, chaincodeName };
    } catch (err) {
      const txId = txIdOf(bytes);
      if (err instanceof Invalid) return { txId, code: err.code, reason: err.message };
      return {
        txId,
        code: Code.INVALID_OTHER_REASON,
        reason: err instanceof Error ? err.message : String(err),
      };
    }
  });
}
