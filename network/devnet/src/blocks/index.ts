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
export { genesisConfigBlock, genesisConfig, decodeConfigBlock, fabricMspConfig } from './config';
export type { GenesisOptions, DecodedConfigBlock } from './config';
