import { createHash } from 'node:crypto';
import { peer, type common } from '@hyperledger/fabric-protos';

/**
 * The identifiers and digests that tie a transaction to its proposal. Endorsers compute them when they sign and
 * the committer recomputes them when it validates, so they live with the other block formats rather than on
 * either side.
 */

/** Fabric's transaction id: hex(SHA-256(nonce ‖ creator)) (protoutil.ComputeTxID). */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/**
 * Fabric's proposal hash (protoutil.GetProposalHash1): SHA-256 over channel header, signature header and the
 * ChaincodeProposalPayload without its transient map — transient data never reaches the ledger.
 */
export function proposalHash(header: common.Header, proposalPayloadWithoutTransient: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(header.getChannelHeader_asU8())
    .update(header.getSignatureHeader_asU8())
    .update(proposalPayloadWithoutTransient)
    .digest();
}

/** `ChaincodeProposalPayload{input}` re-serialised without transient data, as it goes into the transaction. */
export function payloadWithoutTransient(payload: peer.ChaincodeProposalPayload): Uint8Array {
  const stripped = new peer.ChaincodeProposalPayload();
  stripped.setInput(payload.getInput_asU8());
  return stripped.serializeBinary();
}
