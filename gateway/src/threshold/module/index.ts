export { codeDigest, configDigest, type AttestedConfig, type SoftwareMeasurement } from './attestation';
export {
  MISBEHAVIOURS,
  type Misbehaviour,
  type ModuleContext,
  type ModuleFaults,
  type ModuleIdentity,
  type ModulePeerClient,
  type PeerDirectory,
} from './context';
export { MODULE_IDENTITY_LABEL } from './identity';
export { type ModuleHealth } from './moduleApp';
export {
  openModuleClient,
  type ModuleClientIdentity,
  type ModuleClientOptions,
  type ModuleEndpoint,
} from './moduleClient';
export { ModuleServer, type ModuleServerOptions } from './moduleServer';
export { SHARE_APPLICATION, SHARE_SEAL_LABEL, shareLabel, ShareStore, type StoredShare } from './shareStore';
