import { common, peer } from '@hyperledger/fabric-protos';
import type { MspManager } from '../msp/types';
import { parseEndorsementPolicy, type EndorsementPolicy } from '../policy';
import type { ChaincodeDefinitions } from './definitions';

/** One entry of a collections config file, as `peer lifecycle chaincode approveformyorg --collections-config` reads it. */
export interface CollectionConfig {
  readonly name: string;
  /** Member policy, e.g. "OR('Org1MSP.member','Org2MSP.member')". */
  readonly policy: string;
  readonly requiredPeerCount?: number;
  readonly maxPeerCount?: number;
  readonly blockToLive?: number;
  readonly memberOnlyRead?: boolean;
  readonly memberOnlyWrite?: boolean;
}

/** Parses and checks collections config JSON; throws with a message naming what is wrong. */
export function parseCollections(text: string, mspIds: readonly string[]): CollectionConfig[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error('collections config must be a JSON array');
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    const item = entry as Partial<CollectionConfig>;
    if (typeof item.name !== 'string' || item.name.length === 0)
      throw new Error(`collection ${index} has no name`);
    if (seen.has(item.name)) throw new Error(`collection ${item.name} is defined twice`);
    seen.add(item.name);
    if (typeof item.policy !== 'string') throw new Error(`collection ${item.name} has no member policy`);
    parseEndorsementPolicy(item.policy, mspIds);
    return item as CollectionConfig;
  });
}

/**
 * Decides private data access for the chaincode runtime: with memberOnlyRead / memberOnlyWrite, the proposal's
 * creator must satisfy the collection's member policy; collections not in the config are refused when the
 * chaincode has a config, open otherwise.
 */
export function collectionAccessCheck(
  definitions: ChaincodeDefinitions,
  msp: MspManager,
  mspIds: readonly string[],
): (request: {
  namespace: string;
  collection: string;
  signedProposal: Uint8Array;
  access: 'read' | 'write';
}) => boolean {
  const configs = new Map<
    string,
    { text: string; byName: Map<string, { config: CollectionConfig; policy: EndorsementPolicy }> }
  >();
  const configFor = (
    namespace: string,
  ): Map<string, { config: CollectionConfig; policy: EndorsementPolicy }> | undefined => {
    const text = definitions.get(namespace)?.collections;
    if (text === undefined) return undefined;
    const cached = configs.get(namespace);
    if (cached?.text === text) return cached.byName;
    const byName = new Map(
      parseCollections(text, mspIds).map((config) => [
        config.name,
        { config, policy: parseEndorsementPolicy(config.policy, mspIds) },
      ]),
    );
    configs.set(namespace, { text, byName });
    return byName;
  };
  return (request) => {
    const byName = configFor(request.namespace);
    if (!byName) return true;
    const entry = byName.get(request.collection);
    if (!entry) return false;
    const restricted = request.access === 'read' ? entry.config.memberOnlyRead : entry.config.memberOnlyWrite;
    if (!restricted) return true;
    try {
      const identity = msp.deserializeIdentity(creatorOf(request.signedProposal));
      return entry.policy.evaluate([identity]);
    } catch {
      return false;
    }
  };
}

/** The creator (SerializedIdentity bytes) of a SignedProposal. */
function creatorOf(signedProposal: Uint8Array): Uint8Array {
  const proposal = peer.Proposal.deserializeBinary(
    peer.SignedProposal.deserializeBinary(signedProposal).getProposalBytes_asU8(),
  );
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  return common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
}
