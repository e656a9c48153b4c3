/** A ledger identity as records name it: MSP id + SHA-256 fingerprint of its certificate. */
export interface IdentityRef {
  readonly mspId: string;
  readonly fingerprint: string;
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
