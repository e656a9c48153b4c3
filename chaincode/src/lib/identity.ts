import { X509Certificate } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from './errors';
import { sha256Hex } from './hash';

/** Who submitted the transaction, as governance keys it: MSP id + SHA-256 fingerprint of the certificate. */
export interface Caller {
  readonly mspId: string;
  readonly fingerprint: string;
  /** Fabric's `x509::<subject>::<issuer>` id, for display. */
  readonly id: string;
}

export function certificateFingerprint(pem: string): string {
  return sha256Hex(new X509Certificate(pem).raw);
}

export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const pem = Buffer.from(identity.getIDBytes()).toString('utf8');
  let fingerprint: string;
  try {
    fingerprint = certificateFingerprint(pem);
  } catch {
    throw new ForbiddenError('caller identity is not an X.509 certificate');
  }
  return { mspId: identity.getMSPID(), fingerprint, id: identity.getID() };
}
