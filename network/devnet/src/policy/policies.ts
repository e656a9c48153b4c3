import { ORDERER_MSP_ID } from '../msp/layout';
import type { Identity } from '../msp/types';
import { policyToText } from './dsl';
import { astToEnvelope } from './envelope';
import { evaluateSignaturePolicy, subjectOf } from './evaluate';
import type {
  EndorsementPolicy,
  ImplicitRule,
  PolicySubject,
  SignaturePolicyAst,
  SignatureRule,
} from './types';

/** The devnet's policies: an EndorsementPolicy that can also be evaluated on bare subjects (for planning) and serialised. */
export interface DevnetEndorsementPolicy extends EndorsementPolicy {
  readonly kind: 'implicit' | 'signature';
  /** Evaluates on policy subjects instead of full identities. */
  evaluateSubjects(subjects: readonly PolicySubject[]): boolean;
  /** Equivalent `SignaturePolicyEnvelope` bytes (for implicit policies: OutOf(k, each org's peer)). */
  envelope(): Uint8Array;
  /** Why these endorsers fail the policy, in Fabric's words; undefined when they satisfy it. */
  explain(endorsers: readonly Identity[]): string | undefined;
}

/** A signature policy (DSL or SignaturePolicyEnvelope). */
export class SignatureEndorsementPolicy implements DevnetEndorsementPolicy {
  readonly kind = 'signature' as const;
  readonly text: string;
  readonly ast: SignaturePolicyAst;

  constructor(ast: SignaturePolicyAst) {
    this.ast = ast;
    this.text = policyToText(ast);
  }

  evaluate(endorsers: readonly Identity[]): boolean {
    return this.evaluateSubjects(endorsers.map(subjectOf));
  }

  evaluateSubjects(subjects: readonly PolicySubject[]): boolean {
    return evaluateSignaturePolicy(this.ast, subjects);
  }

  envelope(): Uint8Array {
    return astToEnvelope(this.ast).serializeBinary();
  }

  explain(endorsers: readonly Identity[]): string | undefined {
    return this.evaluate(endorsers) ? undefined : 'signature set did not satisfy policy';
  }
}

/**
 * MAJORITY / ANY / ALL of the organisations' `Endorsement` sub-policies, each `OR('<org>.peer')` as
 * configtx.yaml defines them — the semantics of Fabric's ImplicitMeta `/Channel/Application/Endorsement`.
 */
export class ImplicitEndorsementPolicy implements DevnetEndorsementPolicy {
  readonly kind = 'implicit' as const;
  readonly text: string;
  readonly rule: ImplicitRule;
  readonly orgs: readonly string[];
  readonly threshold: number;

  constructor(rule: ImplicitRule, mspIds: readonly string[]) {
    this.rule = rule;
    this.text = rule;
    // OrdererMSP is never an application organisation, even if a caller passes the full MSP list.
    this.orgs = Object.freeze([...new Set(mspIds)].filter((id) => id !== ORDERER_MSP_ID));
    const count = this.orgs.length;
    this.threshold = rule === 'ANY' ? 1 : rule === 'ALL' ? count : Math.floor(count / 2) + 1;
  }

  #satisfiedOrgs(subjects: readonly PolicySubject[]): number {
    return this.orgs.filter((org) => subjects.some((s) => s.mspId === org && s.role === 'peer')).length;
  }

  evaluate(endorsers: readonly Identity[]): boolean {
    return this.evaluateSubjects(endorsers.map(subjectOf));
  }

  evaluateSubjects(subjects: readonly PolicySubject[]): boolean {
    return this.#satisfiedOrgs(subjects) >= this.threshold;
  }

  envelope(): Uint8Array {
    const rules: SignatureRule[] = this.orgs.map((_, index) => ({ type: 'signedBy', index }));
    return astToEnvelope({
      principals: this.orgs.map((mspId) => ({ kind: 'role', mspId, role: 'peer' })),
      rule: { type: 'outOf', n: this.threshold, rules },
    }).serializeBinary();
  }

  explain(endorsers: readonly Identity[]): string | undefined {
    const satisfied = this.#satisfiedOrgs(endorsers.map(subjectOf));
    if (satisfied >= this.threshold) return undefined;
    return `implicit policy evaluation failed - ${satisfied} sub-policies were satisfied, but this policy requires ${this.threshold} of the 'Endorsement' sub-policies to be satisfied`;
  }
}
