export { rotationApi } from './api';
export {
  DecryptionError,
  EnvelopeError,
  KeyUnavailableError,
  RotationPreconditionError,
  type KeyUnavailableCode,
} from './errors';
export { envelopeAad, envelopeVersion, ENVELOPE_OVERHEAD } from './envelope';
export { keyVersionLabel } from './frontend/tokenKeys';
export type { Activation, FrontendNodeMetrics, FrontendNodeOptions } from './frontend/options';
export { FrontendNode } from './frontendNode';
export {
  RotationLedger,
  type KeyPolicyInput,
  type ProposeRotationInput,
  type VolumeReportInput,
} from './ledger';
export type { RotationApiDeps } from './routes/agents';
export { KEY_STATUS_HEADER } from './routes/crypto';
export { WAIT_HEADER, type WaitOutcome } from './routes/wait';
export type {
  ActiveKey,
  CommittedRotationView,
  FrontendNodeHandle,
  KeyPolicy,
  LocalKeyVersion,
  OpenedMessage,
  QueueSummary,
  RefusedKeyVersion,
  RotationDue,
  RotationProposal,
  SealedMessage,
  ValidatorAgentHandle,
} from './types';
export {
  proposalReasonFor,
  ValidatorAgent,
  wrapContext,
  wrappingPointOf,
  type ReviewOutcome,
  type ValidatorAgentOptions,
  type ValidatorAgentStats,
} from './validatorAgent';
export { proposalPayload, reviewProposal, verifyCommit, type CommitVerdict } from './verify';
export { VolumeReporter, type VolumeReport, type VolumeSink } from './volume';
