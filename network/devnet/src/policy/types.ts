import type { Identity } from '../msp/types';

/** An endorsement policy of a chaincode (or of a key, for state-based endorsement). */
export interface EndorsementPolicy {
  /** Canonical text: 'MAJORITY' | 'ANY' | 'ALL', or the policy DSL, e.g. "AND('Org1MSP.peer', 'Org2MSP.peer')". */
  readonly text: string;
  /** True when the endorsers (already validated, with verified signatures) satisfy the policy, as Fabric evaluates it. */
  evaluate(endorsers: readonly Identity[]): boolean;
}

/** Thrown for policy text or bytes that cannot be parsed, and for policies no set of peers can satisfy. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** Roles of an `MSPRole` principal, by their DSL names. */
export type PrincipalRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** An `MSPPrincipal` of a signature policy. */
export type Principal =
  | { readonly kind: 'role'; readonly mspId: string; readonly role: PrincipalRole }
  | { readonly kind: 'ou'; readonly mspId: string; readonly ou: string }
  /** Exactly this serialised identity. */
  | { readonly kind: 'identity'; readonly serialized: Uint8Array }
  /** ANONYMITY / COMBINED principals (idemix, combinations): never satisfied here. */
  | { readonly kind: 'unsupported'; readonly classification: number; readonly bytes: Uint8Array };

/** A `SignaturePolicy`: signed_by an index into the principals, or n_out_of sub-rules. */
export type SignatureRule =
  | { readonly type: 'signedBy'; readonly index: number }
  | { readonly type: 'outOf'; readonly n: number; readonly rules: readonly SignatureRule[] };

/** A `SignaturePolicyEnvelope{version: 0, rule, identities}`. */
export interface SignaturePolicyAst {
  readonly principals: readonly Principal[];
  readonly rule: SignatureRule;
}

/** Channel-level implicit policies over the organisations' peers. */
export type ImplicitRule = 'ANY' | 'ALL' | 'MAJORITY';

/** What the evaluator needs to know about a signer. */
export interface PolicySubject {
  readonly mspId: string;
  readonly role?: string;
  readonly ous: readonly string[];
  readonly serialized: Uint8Array;
}
