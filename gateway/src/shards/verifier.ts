import type { shards } from '@keyledger/chaincode/protocol';
import { messageDigestOf, type DeviceSignature } from './device/signature';
import type { ShardsLedger } from './ledger';
import { verifyOneTimeSignature, type OneTimeKeyAlgorithm } from './oneTimeKey';

export type DeviceSignatureProblem =
  'unknown-epoch' | 'no-public-key' | 'algorithm-mismatch' | 'message-mismatch' | 'bad-signature';

/** What a verifier learns from a device signature and the ledger. */
export interface DeviceSignatureVerdict {
  /** The signature verifies under the epoch's public key AND the epoch was valid when it says it signed. */
  readonly valid: boolean;
  /** The signature verifies under the epoch's public key (whatever the epoch's status). */
  readonly signatureValid: boolean;
  readonly deviceId: string;
  readonly epoch: number;
  readonly problem?: DeviceSignatureProblem;
  /** The epoch as the ledger reports it now (active, expired, invalidated). */
  readonly epochStatus?: shards.ReportedMapStatus;
  readonly validFrom?: number;
  readonly validUntil?: number;
  readonly invalidatedAt?: number;
  readonly invalidatedReason?: string;
  /** Whether signedAt lies in the epoch's validity and before its invalidation. */
  readonly validAtSigning: boolean;
  /** How often the device reported using this epoch's key on the ledger (0 when never). */
  readonly reportedUses: number;
  /** Whether the last use the device reported is this message. */
  readonly lastReportedUseIsThisMessage: boolean;
}

/** Checks a device signature against the epoch's public key on the ledger, and says whether it was valid then. */
export async function verifyDeviceSignature(
  ledger: ShardsLedger,
  message: Uint8Array,
  signature: DeviceSignature,
): Promise<DeviceSignatureVerdict> {
  const base = { deviceId: signature.deviceId, epoch: signature.epoch };
  const map = await ledger.map(signature.deviceId, signature.epoch);
  const none = {
    ...base,
    valid: false,
    signatureValid: false,
    validAtSigning: false,
    reportedUses: 0,
    lastReportedUseIsThisMessage: false,
  };
  if (!map) {
    return { ...none, problem: 'unknown-epoch' };
  }
  const epochFacts = {
    epochStatus: map.status as shards.ReportedMapStatus,
    validFrom: map.validFrom,
    validUntil: map.validUntil,
    ...(map.invalidatedAt === undefined ? {} : { invalidatedAt: map.invalidatedAt }),
    ...(map.invalidatedReason === undefined ? {} : { invalidatedReason: map.invalidatedReason }),
  };
  const at = signature.signedAt;
  const validAtSigning =
    at >= map.validFrom && at < map.validUntil && (map.invalidatedAt === undefined || at < map.invalidatedAt);
  if (!map.publicKey || !map.algorithm) {
    return { ...none, ...epochFacts, validAtSigning, problem: 'no-public-key' };
  }
  if (map.algorithm !== signature.algorithm) {
    return { ...none, ...epochFacts, validAtSigning, problem: 'algorithm-mismatch' };
  }
  const digest = messageDigestOf(message);
  const use = await ledger.use(signature.deviceId, signature.epoch);
  const usage = {
    reportedUses: use?.uses ?? 0,
    lastReportedUseIsThisMessage: use?.lastMessageDigest === digest,
  };
  if (digest !== signature.messageDigest) {
    return { ...none, ...epochFacts, ...usage, validAtSigning, problem: 'message-mismatch' };
  }
  const signatureValid = verifyOneTimeSignature(
    map.algorithm as OneTimeKeyAlgorithm,
    Buffer.from(map.publicKey, 'base64url'),
    message,
    Buffer.from(signature.signature, 'base64url'),
  );
  return {
    ...base,
    ...epochFacts,
    ...usage,
    signatureValid,
    validAtSigning,
    valid: signatureValid && validAtSigning,
    ...(signatureValid ? {} : { problem: 'bad-signature' as const }),
  };
}
