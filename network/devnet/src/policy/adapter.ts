import { ledger, peer } from '@hyperledger/fabric-protos';
import type { Identity } from '../msp/types';
import { endorsementPlan } from './plan';
import { parseEndorsementPolicy, policyFromSignaturePolicyEnvelope } from './parse';
import {
  VALIDATION_PARAMETER,
  type EndorsementPlanner,
  type MetadataReader,
  type PolicyEvaluator,
  type PolicySource,
} from './ports';
import type { EndorsementPolicy } from './types';

/**
 * Connects the policy module to the devnet: chaincode policies come from the chaincode definitions, key-level
 * policies from committed `VALIDATION_PARAMETER` metadata. Serves the gateway's planning (which orgs must
 * endorse) and the committer's evaluation (do the endorsements satisfy the policy).
 */
export class PolicyAdapter implements EndorsementPlanner, PolicyEvaluator {
  readonly #definitions: PolicySource;
  readonly #mspIds: readonly string[];
  readonly #metadata: MetadataReader;
  readonly #cache = new Map<string, EndorsementPolicy>();

  constructor(definitions: PolicySource, mspIds: readonly string[], metadata: MetadataReader) {
    this.#definitions = definitions;
    this.#mspIds = mspIds;
    this.#metadata = metadata;
  }

  /** Parses a policy spec; throws PolicyError for text that is not a policy over the channel's orgs. */
  check(spec: string): EndorsementPolicy {
    const cached = this.#cache.get(spec);
    if (cached) return cached;
    const policy = parseEndorsementPolicy(spec, this.#mspIds);
    this.#cache.set(spec, policy);
    return policy;
  }

  #chaincodePolicy(chaincodeName: string): EndorsementPolicy | undefined {
    const definition = this.#definitions.get(chaincodeName);
    return definition ? this.check(definition.policy) : undefined;
  }

  planFor(chaincodeName: string, preferred: string): string[] {
    const policy = this.#chaincodePolicy(chaincodeName);
    if (!policy)
      throw new Error(
        `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode ${chaincodeName}`,
      );
    const plan = [...endorsementPlan(policy, this.#mspIds, [preferred])];
    // The gateway's own organisation endorses first when it can take part, as Fabric's planFromFirstEndorser.
    const index = plan.indexOf(preferred);
    if (index > 0) plan.unshift(...plan.splice(index, 1));
    return plan;
  }

  keyLevelOrgs(
    chaincodeName: string,
    proposalResponsePayload: Uint8Array,
    endorsing: readonly string[],
  ): string[] {
    const extra = new Set<string>();
    for (const key of writtenKeys(proposalResponsePayload, chaincodeName)) {
      const parameter = this.#metadata(chaincodeName, key)?.get(VALIDATION_PARAMETER);
      if (!parameter || parameter.length === 0) continue;
      const policy = policyFromSignaturePolicyEnvelope(parameter, this.#mspIds);
      for (const org of endorsementPlan(policy, this.#mspIds, [...endorsing])) {
        if (!endorsing.includes(org)) extra.add(org);
      }
    }
    return [...extra];
  }

  chaincodePolicySatisfied(chaincodeName: string, endorsers: readonly Identity[]): boolean {
    return this.#chaincodePolicy(chaincodeName)?.evaluate(endorsers) ?? false;
  }

  keyPolicySatisfied(validationParameter: Uint8Array, endorsers: readonly Identity[]): boolean {
    try {
      return policyFromSignaturePolicyEnvelope(validationParameter, this.#mspIds).evaluate(endorsers);
    } catch {
      return false;
    }
  }
}

function writtenKeys(prpBytes: Uint8Array, namespace: string): string[] {
  const keys: string[] = [];
  try {
    const action = peer.ChaincodeAction.deserializeBinary(
      peer.ProposalResponsePayload.deserializeBinary(prpBytes).getExtension_asU8(),
    );
    const txrw = ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8());
    for (const ns of txrw.getNsRwsetList()) {
      if (ns.getNamespace() !== namespace) continue;
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      for (const write of kv.getWritesList()) keys.push(write.getKey());
      for (const write of kv.getMetadataWritesList()) keys.push(write.getKey());
    }
  } catch {
    // an unreadable payload has no key-level policies to add; validation will reject it
  }
  return keys;
}
