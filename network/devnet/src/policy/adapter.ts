import { ledger, peer } from '@hyperledger/fabric-protos';
import type { Identity } from '../msp/types';
import { endorsementPlan } from './plan';
import { parseEndorsementPolicy, policyFromSignaturePolicyEnvelope } from './parse';
import {
  VALIDATION_PARAMETER,
  type EndorsementPlanner,
  type MetadataReader,
  type PolicyEvaluator,
  type PlanRequest,
  type PolicySource,
} from './ports';
import { PolicyError, type EndorsementPolicy } from './types';

/** Discovery's reasons (discovery/endorsement/endorsement.go), which Fabric's gateway wraps in its own text. */
const NO_COMBINATION = 'no peer combination can satisfy the endorsement policy';
const NO_SBE_COMBINATION = 'state based endorsement policy cannot be satisfied';

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

  plan(chaincodeName: string, request: Readonly<PlanRequest>): string[] {
    const policy = this.#chaincodePolicy(chaincodeName);
    // the gateway checks the chaincode is defined before it plans; discovery's own text if it was not
    if (!policy) throw new PolicyError(`No metadata was found for chaincode ${chaincodeName}`);
    const excluded = new Set(request.excluded ?? []);
    const available = this.#mspIds.filter((id) => !excluded.has(id));
    const preferred = request.preferred.filter((id) => !excluded.has(id));
    const chosen = new Set(this.#planOrFail(policy, available, preferred, NO_COMBINATION));
    // key-level (state-based) policies of the keys the payload writes: discovery adds them to the interest
    for (const key of writtenKeys(request.proposalResponsePayload, chaincodeName)) {
      const parameter = this.#metadata(chaincodeName, key)?.get(VALIDATION_PARAMETER);
      if (!parameter || parameter.length === 0) continue;
      const keyPolicy = policyFromSignaturePolicyEnvelope(parameter, this.#mspIds);
      for (const org of this.#planOrFail(keyPolicy, available, [...preferred, ...chosen], NO_SBE_COMBINATION))
        chosen.add(org);
    }
    // those that endorsed already first, in the order they did
    return [
      ...preferred.filter((id) => chosen.has(id)),
      ...[...chosen].filter((id) => !preferred.includes(id)),
    ];
  }

  #planOrFail(
    policy: EndorsementPolicy,
    available: readonly string[],
    preferred: readonly string[],
    failure: string,
  ): string[] {
    try {
      return endorsementPlan(policy, available, preferred);
    } catch (err) {
      if (err instanceof PolicyError) throw new PolicyError(failure);
      throw err;
    }
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
