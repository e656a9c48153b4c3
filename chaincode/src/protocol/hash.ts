import { createHash } from 'node:crypto';

/**
 * Lower-case hex SHA-256: the one digest format of the ledger (certificate and SPKI fingerprints, shard and
 * response digests), so a value computed by one contract compares equal to the same value from another.
 */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}
