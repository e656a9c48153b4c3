export {
  blockHeaderBytes,
  blockHeaderHash,
  computeDataHash,
  encodeBlockHeader,
  derUnsignedInteger,
} from './hash';
export {
  newBlock,
  signBlock,
  verifyChain,
  verifyBlockSignature,
  lastConfigIndex,
  ordererBlockMetadataBytes,
  BlockChainError,
  METADATA_SLOTS,
} from './block';
export { computeTxId, proposalHash, payloadWithoutTransient } from './txid';
export { concat } from './bytes';
export { blockTransactions, transactionsFilter, validationCodeName, type TransactionInfo } from './blockinfo';
export { genesisConfigBlock, genesisConfig, decodeConfigBlock, fabricMspConfig } from './config';
export type { GenesisOptions, DecodedConfigBlock } from './config';
