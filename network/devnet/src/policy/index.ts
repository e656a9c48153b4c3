export {
  PolicyError,
  type EndorsementPolicy,
  type PrincipalRole,
  type Principal,
  type SignatureRule,
  type SignaturePolicyAst,
  type ImplicitRule,
  type PolicySubject,
} from './types';
export { endorsementPlan, NO_PLAN_MESSAGE } from './plan';
export { ImplicitEndorsementPolicy, SignatureEndorsementPolicy } from './policies';
export type { DevnetEndorsementPolicy } from './policies';
export { parsePolicyDsl, policyToText } from './dsl';
export { astToEnvelope, envelopeToAst } from './envelope';
export { evaluateSignaturePolicy, satisfiesPrincipal, subjectOf } from './evaluate';
export {
  parseEndorsementPolicy,
  policyFromSignaturePolicyEnvelope,
  signaturePolicyEnvelopeFor,
  isDevnetPolicy,
} from './parse';
export { PolicyAdapter } from './adapter';
export {
  VALIDATION_PARAMETER,
  type PolicyEvaluator,
  type EndorsementPlanner,
  type PlanRequest,
  type PolicySource,
  type MetadataReader,
} from './ports';
