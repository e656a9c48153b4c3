export { startDevnet, type Devnet, type DevnetStatus } from './network/devnet';
export type { DeployOptions, DeployResult } from './lifecycle/deploy';
export {
  resolveOptions,
  dataPaths,
  DEFAULT_OPTIONS,
  DEFAULT_DATA_DIR,
  type DevnetOptions,
} from './network/config';
export {
  readConnectionProfile,
  clientConnection,
  nativeSigner,
  channelCredentials,
  type ConnectionProfile,
  type ClientConnection,
  type IdentityPaths,
} from './network/connection';
export type { ChaincodeDefinition } from './lifecycle/definitions';
export type { TransactionDetail } from './peer/committer';
export type { ConflictInfo } from './peer/ports';
export { issueIdentity, type IdentityFiles, type OrgMaterial, type NetworkMaterial } from './msp';
export type { DevnetOwner } from './process';
