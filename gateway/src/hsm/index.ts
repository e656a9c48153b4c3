export {
  aesGcmDecrypt,
  aesGcmEncrypt,
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
  isGcmTagFailure,
  type GcmCiphertext,
} from './aead';
export {
  createDataObject,
  destroyDataObject,
  findDataObject,
  findDataObjects,
  readDataObject,
  type DataObjectQuery,
  type DataObjectRef,
  type DataObjectSpec,
} from './dataObjects';
export { signDigest, signDigestCompact, signMessage } from './ecdsa';
export { ckrOf, HsmError, wrapHsmError, type HsmErrorOptions } from './errors';
export { HKDF_HASH_BYTES, hkdfExpand, hkdfExtract } from './hkdf';
export { generateHmacKey, hmacSha256, hmacSha256Verify, type HmacKeyOptions } from './hmac';
export {
  destroyKey,
  ecPublicPoint,
  findKey,
  findKeys,
  generateAesKey,
  generateEcKeyPair,
  p256PointFromPublicKey,
  p256PublicKeyFromPoint,
  type AesKeyOptions,
  type EcKeyOptions,
  type EcKeyPair,
  type KeyClass,
  type KeyQuery,
  type KeyRef,
} from './keys';
export { acquireLibrary, DEFAULT_SOFTHSM_LIBRARY, releaseLibrary } from './library';
export { newHsmSigner } from './signer';
export {
  hmacKeyCheckValue,
  importSecretKey,
  withEphemeralSecret,
  type SecretImportOptions,
  type SecretKeyKind,
} from './secrets';
export { ensureToken, useSoftHsmDirectory, type TokenSpec } from './softhsm';
export { findSlotByLabel, HsmToken, type TokenInfo, type TokenOptions } from './token';
export { LocalTokenStore, type TokenCredentials } from './tokenStore';
export { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from './uri';
export {
  keyCheckValue,
  unwrapKeyFromSender,
  wrapKeyForRecipient,
  type UnwrapOptions,
  type WrappedKey,
} from './wrap';
