import { createHash } from 'node:crypto';
import type { common } from '@hyperledger/fabric-protos';

/**
 * Block hashing exactly as Fabric's `protoutil` (`blockutils.go`):
 *
 * - `BlockHeaderBytes` = Go `asn1.Marshal(struct{Number *big.Int; PreviousHash, DataHash []byte})`, i.e. DER
 *   `SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash }`. Go encodes a big.Int
 *   zero as `02 01 00`, a positive value minimally big-endian with a 0x00 prefix when its top bit is set,
 *   and nil/empty byte slices as a zero-length OCTET STRING `04 00`.
 * - `BlockHeaderHash` = SHA-256 of those bytes — the `previous_hash` of the next block.
 * - `ComputeBlockDataHash` = SHA-256 of the concatenated envelope bytes (no framing).
 */

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** DER INTEGER of a non-negative integer, as Go's asn1 encodes a `*big.Int`. */
export function derUnsignedInteger(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('block numbers are unsigned');
  if (value === 0n) return tlv(0x02, Buffer.from([0]));
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** DER of the header fields; `number` as a bigint so the full uint64 range is encodable. */
export function encodeBlockHeader(
  number: bigint | number,
  previousHash: Uint8Array,
  dataHash: Uint8Array,
): Uint8Array {
  const n = typeof number === 'bigint' ? number : BigInt(number);
  if (n > 0xffff_ffff_ffff_ffffn) throw new RangeError('block number exceeds uint64');
  return new Uint8Array(
    tlv(0x30, Buffer.concat([derUnsignedInteger(n), tlv(0x04, previousHash), tlv(0x04, dataHash)])),
  );
}

/** `protoutil.BlockHeaderBytes`. */
export function blockHeaderBytes(header: common.BlockHeader): Uint8Array {
  return encodeBlockHeader(header.getNumber(), header.getPreviousHash_asU8(), header.getDataHash_asU8());
}

/** `protoutil.BlockHeaderHash`: SHA-256 of the DER header. */
export function blockHeaderHash(header: common.BlockHeader): Uint8Array {
  return new Uint8Array(createHash('sha256').update(blockHeaderBytes(header)).digest());
}

/** `protoutil.ComputeBlockDataHash`: SHA-256 over the envelopes, concatenated. */
export function computeDataHash(envelopes: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const envelope of envelopes) hash.update(envelope);
  return new Uint8Array(hash.digest());
}
