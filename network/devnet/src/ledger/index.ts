export * from './types';
export {
  Ledger,
  LedgerError,
  type BlockPrivateData,
  type CommitOutcome,
  type LedgerOptions,
  type TxLocation,
} from './ledger';
export type { ConflictDetail } from './validator';
export { TxValidationCode, txValidationCodeName } from './codes';
export { LedgerStorageError } from './recordfile';
export { compareUtf8 } from './keys';
export { blockHeaderHash, blockDataHash } from './blockhash';
