import type { Identity } from '../msp/types';

/**
 * Metadata name under which key-level endorsement policies are kept (peer.MetaDataKeys.VALIDATION_PARAMETER):
 * the chaincode writes it at simulation, the gateway plans with it and the committer enforces it.
 */
export const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

/** Evaluates endorsement policies against the identities that validly endorsed a transaction (the committer's view). */
export interface PolicyEvaluator {
  /** The chaincode definition's endorsement policy. Unknown chaincode → false. */
  chaincodePolicySatisfied(chaincodeName: string, endorsers: readonly Identity[]): boolean;
  /** A key-level policy: `VALIDATION_PARAMETER` metadata, a serialised SignaturePolicyEnvelope. */
  keyPolicySatisfied(validationParameter: Uint8Array, endorsers: readonly Identity[]): boolean;
}

/** Chooses which organisations must endorse, from the chaincode's endorsement policy (the gateway's view). */
export interface EndorsementPlanner {
  /**
   * Organisations whose endorsements together satisfy the chaincode's policy, starting with `preferred`
   * when it can take part. Throws an Error whose message says why no combination exists.
   */
  planFor(chaincodeName: string, preferred: string): string[];
  /**
   * Organisations additionally needed for key-level (state-based) policies of the keys the endorsed
   * payload writes, given those already endorsing.
   */
  keyLevelOrgs(
    chaincodeName: string,
    proposalResponsePayload: Uint8Array,
    endorsing: readonly string[],
  ): string[];
}

/** Where a chaincode's endorsement policy text comes from: its definition (the lifecycle's, by structure). */
export interface PolicySource {
  get(chaincodeName: string): { readonly policy: string } | undefined;
}

/** Committed state metadata of a key (where key-level policies live). */
export type MetadataReader = (namespace: string, key: string) => Map<string, Uint8Array> | undefined;
