import { peer } from '@hyperledger/fabric-protos';

/** `peer.TxValidationCode`: Fabric's per-transaction validation codes, by name (VALID = 0, MVCC_READ_CONFLICT = 11 …). */
export const TxValidationCode: Readonly<Record<string, number>> = Object.freeze({ ...peer.TxValidationCode });

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(TxValidationCode).map(([name, code]) => [code, name]),
);

/** Fabric's name of a validation code (e.g. 11 → "MVCC_READ_CONFLICT"); unknown codes render as "UNKNOWN(n)". */
export function txValidationCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(${code})`;
}

/** Codes the ledger itself assigns; named constants so the commit path does not look names up. */
export const Code = {
  VALID: peer.TxValidationCode.VALID,
  BAD_PAYLOAD: peer.TxValidationCode.BAD_PAYLOAD,
  DUPLICATE_TXID: peer.TxValidationCode.DUPLICATE_TXID,
  MVCC_READ_CONFLICT: peer.TxValidationCode.MVCC_READ_CONFLICT,
  PHANTOM_READ_CONFLICT: peer.TxValidationCode.PHANTOM_READ_CONFLICT,
  BAD_RWSET: peer.TxValidationCode.BAD_RWSET,
  NOT_VALIDATED: peer.TxValidationCode.NOT_VALIDATED,
} as const;
