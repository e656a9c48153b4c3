import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OneTimeKeyAlgorithm } from '../oneTimeKey';

/**
 * A device's signature over a message, as it travels: the signature is plain Ed25519 (or ES256 r‖s) over the
 * message bytes, so anyone holding the epoch's public key from the ledger verifies it with node:crypto; the
 * rest says which key to take. `signedAt` is the device's own clock; `messageDigest` lets a verifier match the
 * use the device reported on the ledger.
 */
export interface DeviceSignature {
  readonly deviceId: string;
  readonly epoch: number;
  readonly algorithm: OneTimeKeyAlgorithm;
  readonly signedAt: number;
  /** SHA-256 (hex) of the message. */
  readonly messageDigest: string;
  /** base64url. */
  readonly signature: string;
}

export const deviceSignatureSchema = z.strictObject({
  deviceId: z.string().min(1).max(128),
  epoch: z.number().int().nonnegative(),
  algorithm: z.enum(['Ed25519', 'ES256']),
  signedAt: z.number().int().nonnegative(),
  messageDigest: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be base64url'),
});

export function messageDigestOf(message: Uint8Array): string {
  return createHash('sha256').update(message).digest('hex');
}
