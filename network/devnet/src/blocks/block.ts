import { randomBytes } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import type { MspManager, SigningIdentity } from '../msp/types';
import { blockHeaderBytes, blockHeaderHash, computeDataHash } from './hash';

/** Number of metadata slots Fabric allocates (`len(cb.BlockMetadataIndex_name)`). */
export const METADATA_SLOTS = 5;

/** Thrown by verifyChain for the first block that breaks the chain. */
export class BlockChainError extends Error {
  constructor(
    message: string,
    readonly blockNumber: number,
  ) {
    super(message);
    this.name = 'BlockChainError';
  }
}

/**
 * A block as `protoutil.NewBlock` + the orderer's `CreateNextBlock` make it: header {number,
 * previous_hash, data_hash = SHA-256(envelopes)}, the envelopes as data, and five empty metadata
 * slots (SIGNATURES, LAST_CONFIG, TRANSACTIONS_FILTER, ORDERER, COMMIT_HASH).
 */
export function newBlock(
  number: number,
  previousHash: Uint8Array,
  envelopes: readonly Uint8Array[],
): common.Block {
  if (!Number.isSafeInteger(number) || number < 0) throw new RangeError(`invalid block number ${number}`);
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(previousHash);
  header.setDataHash(computeDataHash(envelopes));
  const data = new common.BlockData();
  data.setDataList([...envelopes]);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList(Array.from({ length: METADATA_SLOTS }, () => new Uint8Array()));
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

function metadataSlots(block: common.Block): Uint8Array[] {
  const slots = block.getMetadata()?.getMetadataList_asU8() ?? [];
  return Array.from(
    { length: Math.max(METADATA_SLOTS, slots.length) },
    (_, i) => slots[i] ?? new Uint8Array(),
  );
}

function lastConfigBytes(index: number): Uint8Array {
  const lastConfig = new common.LastConfig();
  lastConfig.setIndex(index);
  return lastConfig.serializeBinary();
}

/** `OrdererBlockMetadata{last_config, consenter_metadata = Metadata{}}` — the SIGNATURES metadata value. */
export function ordererBlockMetadataBytes(lastConfig: number): Uint8Array {
  const value = new common.OrdererBlockMetadata();
  const last = new common.LastConfig();
  last.setIndex(lastConfig);
  value.setLastConfig(last);
  value.setConsenterMetadata(new common.Metadata().serializeBinary());
  return value.serializeBinary();
}

/**
 * Adds the orderer's metadata as Fabric's `BlockWriter.commitBlock` does: LAST_CONFIG =
 * `Metadata{value: LastConfig}` and SIGNATURES = `Metadata{value: OrdererBlockMetadata{last_config},
 * signatures: [{signature_header: SignatureHeader{creator, nonce}, signature: sign(value ‖ signature_header
 * ‖ BlockHeaderBytes)}]}`. Mutates the block; returns it for chaining.
 */
export function signBlock(block: common.Block, orderer: SigningIdentity, lastConfig: number): common.Block {
  const header = block.getHeader();
  if (header === undefined) throw new Error('cannot sign a block without a header');
  const slots = metadataSlots(block);

  const lastConfigMetadata = new common.Metadata();
  lastConfigMetadata.setValue(lastConfigBytes(lastConfig));
  slots[common.BlockMetadataIndex.LAST_CONFIG] = lastConfigMetadata.serializeBinary();

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(orderer.serialize());
  signatureHeader.setNonce(randomBytes(24));
  const signatureHeaderBytes = signatureHeader.serializeBinary();
  const value = ordererBlockMetadataBytes(lastConfig);
  const signature = new common.MetadataSignature();
  signature.setSignatureHeader(signatureHeaderBytes);
  signature.setSignature(
    orderer.sign(Buffer.concat([value, signatureHeaderBytes, blockHeaderBytes(header)])),
  );
  const signatures = new common.Metadata();
  signatures.setValue(value);
  signatures.setSignaturesList([signature]);
  slots[common.BlockMetadataIndex.SIGNATURES] = signatures.serializeBinary();

  const metadata = block.getMetadata() ?? new common.BlockMetadata();
  metadata.setMetadataList(slots);
  block.setMetadata(metadata);
  return block;
}

/** The last config block index a block records (SIGNATURES' OrdererBlockMetadata, else LAST_CONFIG), as `protoutil.GetLastConfigIndexFromBlock`. */
export function lastConfigIndex(block: common.Block): number | undefined {
  const slots = metadataSlots(block);
  const signatures = slots[common.BlockMetadataIndex.SIGNATURES];
  if (signatures !== undefined && signatures.length > 0) {
    const value = common.Metadata.deserializeBinary(signatures).getValue_asU8();
    const last = common.OrdererBlockMetadata.deserializeBinary(value).getLastConfig();
    if (last !== undefined) return last.getIndex();
  }
  const legacy = slots[common.BlockMetadataIndex.LAST_CONFIG];
  if (legacy !== undefined && legacy.length > 0) {
    return common.LastConfig.deserializeBinary(
      common.Metadata.deserializeBinary(legacy).getValue_asU8(),
    ).getIndex();
  }
  return undefined;
}

/**
 * True when the block carries at least one SIGNATURES entry by an identity the MSP manager accepts
 * (e.g. OrdererMSP's orderer) whose signature verifies over value ‖ signature_header ‖ header bytes.
 */
export function verifyBlockSignature(block: common.Block, msp: MspManager): boolean {
  const header = block.getHeader();
  const slot = metadataSlots(block)[common.BlockMetadataIndex.SIGNATURES];
  if (header === undefined || slot === undefined || slot.length === 0) return false;
  try {
    const metadata = common.Metadata.deserializeBinary(slot);
    const headerBytes = blockHeaderBytes(header);
    return metadata.getSignaturesList().some((signature) => {
      try {
        const signatureHeader = common.SignatureHeader.deserializeBinary(signature.getSignatureHeader_asU8());
        const identity = msp.deserializeIdentity(signatureHeader.getCreator_asU8());
        const message = Buffer.concat([
          metadata.getValue_asU8(),
          signature.getSignatureHeader_asU8(),
          headerBytes,
        ]);
        return msp.verify(identity, message, signature.getSignature_asU8());
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Checks that consecutive blocks chain: numbers increase by one, each data_hash is the hash of the
 * block's envelopes, and each previous_hash is the header hash of the block before.
 * @throws BlockChainError naming the first block that does not match
 */
export function verifyChain(blocks: readonly common.Block[]): void {
  let previous: common.BlockHeader | undefined;
  for (const block of blocks) {
    const header = block.getHeader();
    if (header === undefined) {
      const after = previous === undefined ? 'at the start' : `after block ${previous.getNumber()}`;
      throw new BlockChainError(
        `block ${after} has no header`,
        previous === undefined ? -1 : previous.getNumber() + 1,
      );
    }
    const number = header.getNumber();
    const dataHash = computeDataHash(block.getData()?.getDataList_asU8() ?? []);
    if (hex(dataHash) !== hex(header.getDataHash_asU8())) {
      throw new BlockChainError(
        `block ${number}: data_hash ${hex(header.getDataHash_asU8())} does not match the hash of its data ${hex(dataHash)}`,
        number,
      );
    }
    if (previous !== undefined) {
      if (number !== previous.getNumber() + 1) {
        throw new BlockChainError(
          `block ${number} follows block ${previous.getNumber()}; expected block ${previous.getNumber() + 1}`,
          number,
        );
      }
      const expected = blockHeaderHash(previous);
      if (hex(expected) !== hex(header.getPreviousHash_asU8())) {
        throw new BlockChainError(
          `block ${number}: previous_hash ${hex(header.getPreviousHash_asU8())} does not match the header hash of block ${previous.getNumber()} ${hex(expected)}`,
          number,
        );
      }
    }
    previous = header;
  }
}
