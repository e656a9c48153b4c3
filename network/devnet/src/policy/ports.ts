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

/** What the gateway knows when it plans the endorsers of a proposal (after the first endorsement). */
export interface PlanRequest {
  /** The first endorser's ProposalResponsePayload: the keys it writes bring in their key-level policies. */
  readonly proposalResponsePayload: Uint8Array;
  /** Organisations that endorsed already, first the gateway's own: reused when they can take part. */
  readonly preferred: readonly string[];
  /** Organisations that failed or disagreed: a plan without them is sought, as Fabric moves to the next layout. */
  readonly excluded?: readonly string[];
}

/** Chooses which organisations must endorse (the gateway's view; Fabric asks discovery for layouts). */
export interface EndorsementPlanner {
  /**
   * The fewest organisations whose endorsements satisfy the chaincode's policy and the key-level policies of the
   * keys written, preferring those that endorsed already, without the excluded ones.
   * @throws PolicyError with discovery's reason ("no peer combination can satisfy the endorsement policy",
   *   "state based endorsement policy cannot be satisfied") when no such set exists
   */
  plan(chaincodeName: string, request: Readonly<PlanRequest>): string[];
}

/** Where a chaincode's endorsement policy text comes from: its definition (the lifecycle's, by structure). */
export interface PolicySource {
  get(chaincodeName: string): { readonly policy: string } | undefined;
}

/** Committed state metadata of a key (where key-level policies live). */
export type MetadataReader = (namespace: string, key: string) => Map<string, Uint8Array> | undefined;
