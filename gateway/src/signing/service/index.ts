export {
  NoActiveKeyError,
  SigningKeyManager,
  type ActiveSigningKey,
  type CertifyKey,
  type RotationCause,
  type RotationReport,
  type SigningKeyChange,
  type SigningKeyManagerOptions,
} from './keyManager';
export {
  RESERVED_CLAIMS,
  SigningService,
  type SignedToken,
  type SigningRequestPayload,
  type SigningServiceOptions,
} from './signingService';
export type { PendingSigningKey, RotationScheduleStatus } from './keyScheduler';
export { InvalidRotationPolicyError, type IsoDuration } from './isoDuration';
export type { RevocationEvents } from './revocationWatch';
export {
  defaultPublishAheadMs,
  nextRotationAt,
  parseRotationPolicy,
  type RotationPolicy,
  type RotationPolicyInput,
} from './rotationSchedule';
export { KeyCertification, type CertificationClaims, type KeyCertificationOptions } from './certification';
export { type CertificateRevocationOutcome } from './certificateRevocation';
export {
  TokenVerifier,
  type TokenInvalidReason,
  type TokenVerdict,
  type TokenVerifierOptions,
} from './tokenVerifier';
