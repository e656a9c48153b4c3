export {
  configFromConnectionFile,
  readFabricConfigFile,
  readJsonFile,
  ConfigError,
  connectionFileSchema,
  readConnectionFile,
  type ConnectionFile,
  type FabricConfig,
  type IdentityChoice,
} from './config';
export { FabricConnection, type ConnectOptions } from './connection';
export { ContractClient, DEFAULT_RETRY, type RetryPolicy } from './contractClient';
export { LedgerError, toLedgerError, type LedgerErrorKind, type LedgerErrorOptions } from './errors';
export { EventFollower, eventPayload, type EventFollowerOptions, type EventHandler } from './events';
export { GrpcClients, sharedGrpcClients, type GrpcClientLease } from './grpcClients';
export {
  certificateFingerprint,
  identityFromCertificate,
  signPayload,
  type LedgerIdentity,
} from './identity';
export type { ContractTransport, LedgerAccess } from './ledgerAccess';
export { pemSigner } from './signers';
