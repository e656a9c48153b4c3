export * from './types';
export * from './envelope';
export * from './ciphers';
export * from './errors';
export * from './keyring';
export * from './volume';
export * from './verify';
export {
  RotationLedger,
  refOf,
  certificateFingerprint,
  identityFromCertificate,
  signPayload,
  type LedgerIdentity,
  type ProposeRotationInput,
} from './ledger';
export { defaultRotationLogger, REDACT_PATHS, REDACTED_FIELDS } from './logging';
export type { ParticipantOptions } from './participant';
export {
  ValidatorAgent,
  proposalReasonFor,
  wrapContext,
  wrappingPointOf,
  type ReviewOutcome,
  type ValidatorAgentOptions,
  type ValidatorAgentStats,
} from './validatorAgent';
export {
  FrontendNode,
  keyVersionLabel,
  type Activation,
  type FrontendNodeMetrics,
  type FrontendNodeOptions,
} from './frontendNode';
