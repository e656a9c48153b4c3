export * from './derivation';
export {
  DeviceRefusalError,
  ShardGeneratorError,
  ShardIntegrityError,
  type DeviceRefusalCode,
} from './errors';
export {
  ShardsLedger,
  type CollectionResult,
  type EnrollmentInput,
  type PublishedMap,
  type PublishEpochInput,
} from './ledger';
export {
  isUsableSeed,
  oneTimeKeyFromSeed,
  PUBLIC_KEY_BYTES,
  publicKeyObject,
  verifyOneTimeSignature,
  type OneTimeKey,
  type OneTimeKeyAlgorithm,
} from './oneTimeKey';
export { deriveStream, openShard, sealShard } from './shardCipher';
export { verifyDeviceSignature, type DeviceSignatureProblem, type DeviceSignatureVerdict } from './verifier';
export { shardsApi, type ShardsApiDeps } from './api';
export { shardsHealthCheck, type ShardsHealthOptions } from './health';
