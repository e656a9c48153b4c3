import { X509Certificate } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from '../protocol/errors';
import { sha256Hex } from '../protocol/hash';
import type { IdentityRef } from '../protocol/identity';

/** Who submitted the transaction, as governance keys it: MSP id + SHA-256 fingerprint of the certificate. */
export interface Caller extends IdentityRef {
  /** Fabric's `x509::<subject>::<issuer>` id, for display. */
  readonly id: string;
}

/**
 * The submitter's X.509 certificate (Fabric passes it as PEM), for what the fingerprint does not say: subject,
 * public key. Anything else is refused as an identity (FORBIDDEN), not as bad input.
 */
export function callerCertificate(ctx: Context): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8'));
  } catch {
    throw new ForbiddenError('caller identity is not an X.509 certificate');
  }
}

export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const fingerprint = sha256Hex(callerCertificate(ctx).raw);
  return { mspId: identity.getMSPID(), fingerprint, id: identity.getID() };
}
