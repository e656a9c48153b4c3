export { blameDkgShare } from './dkgCheck';
export { deriveEpochKey, EPOCH_KEY_LABEL, epochKeyInfo } from './epochKey';
export { InsufficientSharesError } from './errors';
export {
  ed25519PublicKeyObject,
  frost,
  groupPublicKey,
  identifierOf,
  ledgerForm,
  type LedgerPublic,
  type LedgerPublicInput,
  publicPackage,
  shareIndexOf,
} from './frostSuite';
export { reconstructVerified, type IndexedShare, type Reconstruction } from './reconstruct';
export { applyRefresh, dealRefresh, type RefreshDeal, refreshPublic, verifyRefreshDelta } from './refresh';
export { MAX_SHARE_INDEX } from './shareIndex';
export { wipe } from './wipe';
