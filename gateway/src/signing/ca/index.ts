/**
 * Local certificate authorities for signing keys and the validator that checks their certificates with fail-over
 * (issue 12 §3). See README.md in this folder.
 */
export { CaClient, type CaClientOptions, type ClientTlsIdentity } from './caClient';
export { CaHealthMonitor, type CaHealth, type CaHealthMonitorOptions, type CaHealthState } from './caHealth';
export { CA_KEY_LABEL, keyProtection, type KeyProtection } from './caKey';
export { CA_NAME_PATTERN, CA_PATHS, KID_PATTERN } from './caNames';
export { CA_PID_FILE, startCaServer, type CaServer, type CaServerOptions } from './caServer';
export { CA_STATE_FILE } from './caState';
export {
  CA_CERTIFICATE_FILE,
  CA_CRL_FILE,
  CertificateAuthority,
  DOCUMENT_SIGNING_EKU,
  type CaStatus,
  type CertificateAuthorityOptions,
  type IssuedCertificate,
  type IssueRequest,
  type PublishedCrl,
  type Revocation,
  type RevokeRequest,
} from './certificateAuthority';
export {
  CaValidator,
  type CaAttempt,
  type CaValidatorOptions,
  type CertificateInput,
  type PathElement,
  type RevocationPolicy,
  type RevocationSnapshot,
  type RevokedEntry,
  type TrustedCa,
  type ValidateOptions,
  type ValidationResult,
} from './caValidator';
export { CrlCache, type CrlCacheOptions, type VerifiedCrl } from './crlCache';
export { CaRequestError, CaStateError, CaUnavailableError, CertificateNotFoundError } from './errors';
export { type SubjectPublicKey } from './publicKeyInput';
export { REVOCATION_REASON_NAMES, REVOCATION_REASONS, type RevocationReason } from './revocationReason';
