export {
  ModuleCallError,
  ShareStoreError,
  type ModuleCallErrorOptions,
  type ModuleFailureKind,
} from './errors';
export {
  SOFTWARE_ATTESTATION_FORMAT,
  ThresholdLedger,
  type AttestationInput,
  type AttestationNonce,
  type AttestationStatement,
  type ModuleList,
  type ModuleRecord,
  type RegisterModuleInput,
  type TamperInput,
  type TrustScore,
} from './ledger';
export {
  MISBEHAVIOURS,
  ModuleServer,
  openModuleClient,
  ShareStore,
  type Misbehaviour,
  type ModuleClientIdentity,
  type ModuleContext,
  type ModuleFaults,
  type ModuleHealth,
  type ModuleIdentity,
  type ModulePeerClient,
  type ModuleServerOptions,
  type PeerDirectory,
  type StoredShare,
} from './module';
