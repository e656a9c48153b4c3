export {
  NoActiveKeyError,
  SigningKeyManager,
  type ActiveSigningKey,
  type CertifyKey,
  type RotationCause,
  type RotationReport,
  type SigningKeyManagerOptions,
} from './keyManager';
export {
  RESERVED_CLAIMS,
  SigningService,
  type SignedToken,
  type SigningRequestPayload,
  type SigningServiceOptions,
} from './signingService';
export { KeyCertification, type CertificationClaims, type KeyCertificationOptions } from './certification';
export { type CertificateRevocationOutcome } from './certificateRevocation';
export {
  TokenVerifier,
  type TokenInvalidReason,
  type TokenVerdict,
  type TokenVerifierOptions,
} from './tokenVerifier';
