export * from './types';
export {
  toLowS,
  isLowS,
  parseDerSignature,
  encodeDerSignature,
  signMessage,
  verifyMessage,
  SignatureEncodingError,
  P256_ORDER,
  P256_HALF_ORDER,
} from './ecdsa';
export type { EcdsaSignature } from './ecdsa';
export { FABRIC_ATTRS_OID, readAttributes, subjectKeyId } from './certs';
export { ensureNetworkMaterial, loadIdentity, NetworkMaterialError } from './material';
export type { IdentityFiles, OrgMaterial, TlsMaterial, NetworkMaterial } from './material';
export { signingIdentityFrom, serializeIdentity } from './signing';
export {
  createMspManager,
  createMspManagerFromDefinitions,
  checkSignature,
  nodeRoleOf,
  organizationalUnits,
} from './manager';
export type { DevnetMspManager, MspDefinition, MspManagerOptions } from './manager';
export { issueIdentity } from './issue';
export { ORDERER_MSP_ID, orgNames } from './layout';
