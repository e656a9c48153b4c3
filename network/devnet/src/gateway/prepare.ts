import { common, peer } from '@hyperledger/fabric-protos';
import { payloadWithoutTransient } from '../blocks/txid';
import type { UnpackedProposal } from '../endorser/proposal';

/**
 * Assembles the unsigned transaction envelope from a proposal and its endorsements, as Fabric's gateway
 * does (apiutils.go prepareTransaction): transient data is dropped, endorsements are de-duplicated by endorser.
 */
export function prepareTransaction(
  up: UnpackedProposal,
  proposalResponsePayload: Uint8Array,
  endorsements: readonly peer.Endorsement[],
): common.Envelope {
  const seen = new Set<string>();
  const unique = endorsements.filter((endorsement) => {
    const key = Buffer.from(endorsement.getEndorser_asU8()).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const endorsedAction = new peer.ChaincodeEndorsedAction();
  endorsedAction.setProposalResponsePayload(proposalResponsePayload);
  endorsedAction.setEndorsementsList(unique);

  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(payloadWithoutTransient(up.proposalPayload));
  actionPayload.setAction(endorsedAction);

  const action = new peer.TransactionAction();
  action.setHeader(up.header.getSignatureHeader_asU8());
  action.setPayload(actionPayload.serializeBinary());

  const transaction = new peer.Transaction();
  transaction.setActionsList([action]);

  const payload = new common.Payload();
  payload.setHeader(up.header);
  payload.setData(transaction.serializeBinary());

  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}
