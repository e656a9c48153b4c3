/**
 * The KeyLedger gateway: Fabric client, HSM layer, the capabilities' agents and typed contract clients, and the
 * REST API. The stack (`npm start`'s composition, which starts the devnet) is not exported here: it is the CLI's.
 */
export { PROBLEM_STATUS, ServiceError, type ProblemType, type ServiceErrorOptions } from './errors';
export {
  certificateFingerprint,
  ConfigError,
  configFromConnectionFile,
  ContractClient,
  FabricConnection,
  GrpcClients,
  LedgerError,
  readConnectionFile,
  sharedGrpcClients,
  toLedgerError,
  type ConnectionFile,
  type ConnectOptions,
  type FabricConfig,
  type LedgerAccess,
  type LedgerErrorKind,
} from './fabric';
export { GovernanceLedger, governanceApi } from './governance';
export {
  HsmError,
  HsmToken,
  LocalTokenStore,
  newHsmSigner,
  useSoftHsmDirectory,
  type TokenOptions,
} from './hsm';
export { ProblemError, type ApiCaller, type ApiModuleFactory, type AuthenticatedCaller } from './http';
export { FrontendNode, RotationLedger, rotationApi, ValidatorAgent } from './rotation';
export {
  createApp,
  fabricIdentityResolver,
  staticIdentityResolver,
  startApiServer,
  type ApiDeps,
  type ApiServer,
  type IdentityResolver,
} from './api';
