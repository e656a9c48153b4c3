/**
 * Block header hash as Fabric's protoutil.BlockHeaderHash: SHA-256 over the ASN.1 DER encoding of
 * `SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash }`.
 * Kept local to the ledger until the blocks module exports one.
 */
import { createHash } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** Minimal two's-complement big-endian encoding of a non-negative safe integer. */
function derUnsignedInteger(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return derTlv(0x02, Buffer.from(bytes));
}

export function blockHeaderBytes(header: common.BlockHeader): Buffer {
  return derTlv(
    0x30,
    Buffer.concat([
      derUnsignedInteger(header.getNumber()),
      derTlv(0x04, Buffer.from(header.getPreviousHash_asU8())),
      derTlv(0x04, Buffer.from(header.getDataHash_asU8())),
    ]),
  );
}

export function blockHeaderHash(header: common.BlockHeader): Uint8Array {
  return createHash('sha256').update(blockHeaderBytes(header)).digest();
}

/** protoutil.ComputeBlockDataHash: SHA-256 over the concatenated envelope bytes. */
export function blockDataHash(envelopes: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const e of envelopes) h.update(e);
  return h.digest();
}
