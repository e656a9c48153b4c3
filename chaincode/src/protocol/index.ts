/**
 * What the chaincode and its clients share, with no runtime dependency beyond node:crypto: contract and
 * function names, record, argument and result types, error codes, canonical JSON, digests, public-key checks.
 * Published as `@keyledger/chaincode/protocol`; the gateway imports only this, never the contracts.
 *
 * Record types are grouped per capability (`rotation.RotationProposal`, `governance.Member`, …) because the
 * capabilities name some things alike (a rotation and a governance proposal both have a `ProposalStatus`).
 */
export {
  CONTRACTS,
  GOVERNANCE,
  METADATA_TRANSACTION,
  PROVIDERS,
  ROTATION,
  SHARDS,
  SIGNING,
  THRESHOLD,
  type ChaincodeEventName,
  type ContractProtocol,
  type EvaluateFunction,
  type EventName,
  type SubmitFunction,
} from './contracts';
export {
  ConflictError,
  ERROR_CODES,
  errorCodeOf,
  findChaincodeError,
  ForbiddenError,
  KeyLedgerError,
  NotFoundError,
  ValidationError,
  type ChaincodeErrorText,
  type ErrorCode,
} from './errors';
export { canonicalBytes, canonicalJson } from './canonical';
export { sha256Hex } from './hash';
export { identityRef, memberRef, sameIdentity, type IdentityRef } from './identity';
export { isRole, LEDGER_ONLY_ROLES, ROLE_ATTRIBUTE, ROLES, type Role } from './roles';
export {
  bftQuorum,
  countVotes,
  faultTolerance,
  requiredApprovals,
  type QuorumRule,
  type VoteCount,
} from './quorum';
export {
  assertStrongKey,
  isP256Point,
  KeyMaterialError,
  looksLikePrivateKey,
  MIN_RSA_BITS,
  parseCertificatePem,
  parsePublicJwk,
  parsePublicKey,
  parsePublicKeyPem,
  PRIVATE_JWK_MEMBERS,
  privateJwkMember,
  PUBLIC_JWK_TYPES,
  spkiFingerprint,
  spkiPem,
  verifySignature,
  type KeyIssue,
  type KeyProblem,
  type KeyWording,
  type PrivateJwkMember,
} from './publicKeys';
export { digestPayload, proposalDigest, sortWrappedKeys, type DigestInput } from './rotationDigest';
export { isQueueId, QUEUE_ID_MAX_LENGTH, QUEUE_ID_PATTERN, QUEUE_ID_RULE } from './queueId';
export {
  defaultMinRotationIntervalMs,
  isVersionRetained,
  KEY_POLICY_DEFAULTS,
  KEY_POLICY_LIMITS,
  MAX_NOT_BEFORE_LEAD_MS,
  retainedByTimeUntil,
  takesOverAt,
  type RetentionPolicy,
  type RetentionSubject,
} from './rotationPolicy';
export type { GovernanceConfig, Member } from './governance';
export * as governance from './governance';
export * as rotation from './rotation';
export * as providers from './providers';
export * as signing from './signing';
export * as shards from './shards';
export * as threshold from './threshold';
