/**
 * The signing service's key manager and JWS signer (issue 12 §2 and §4, HSM side): signing keys made and kept
 * in an HSM token, compact JWS signed there, and verification with jose against the published JWKS.
 */
export {
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  generateEd25519KeyPair,
  type Ed25519KeyPair,
} from './ed25519';
export {
  InvalidJwsRequestError,
  InvalidSigningKeyRequestError,
  JwsVerificationError,
  SigningKeyExistsError,
  SigningKeyNotFoundError,
} from './errors';
export { jwkThumbprint, publicJwk, SIGNING_ALGORITHMS, type PublicJwk, type SigningAlgorithm } from './jwk';
export { type JwsHeaderExtras, type JwsSignRequest, type JwtClaims } from './jws';
export { HsmJwsSigner, MAX_SIGN_BATCH, type HsmJwsSignerOptions } from './jwsSigner';
export {
  SigningKeyStore,
  type GenerateSigningKeyOptions,
  type SigningKeyHandle,
  type SigningKeyInfo,
  type SigningKeyStoreOptions,
} from './keyStore';
export { verifyJwt, type VerifiedJwt, type VerifyJwtOptions } from './verify';
