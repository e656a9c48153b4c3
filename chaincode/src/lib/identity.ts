import { X509Certificate } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from './errors';
import { sha256Hex } from './hash';

/** A ledger identity as records name it: MSP id + SHA-256 fingerprint of its certificate. */
export interface IdentityRef {
  readonly mspId: string;
  readonly fingerprint: string;
}

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

/**
 * Just the two id fields of anything that carries them (the caller, a member, an input). Records and events are
 * stored as given, so spreading a whole `Caller` or `Member` into one would store its other fields too.
 */
export function identityRef(identity: IdentityRef): IdentityRef {
  return { mspId: identity.mspId, fingerprint: identity.fingerprint };
}

/** Whether two references name the same identity; an absent reference names nobody. */
export function sameIdentity(a: IdentityRef | undefined, b: IdentityRef): boolean {
  return a !== undefined && a.mspId === b.mspId && a.fingerprint === b.fingerprint;
}

/** `mspId/fingerprint`: an identity as one string, for `…By` fields, messages and set membership. */
export function memberRef(identity: IdentityRef): string {
  return `${identity.mspId}/${identity.fingerprint}`;
}
