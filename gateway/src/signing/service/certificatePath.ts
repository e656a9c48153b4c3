import type { RevokedEntry, ValidationResult } from '../ca';

/**
 * A certificate revoked at its CA still vouches for a token signed before the CRL entry's invalidityDate (or its
 * revocationDate when it has none, RFC 5280 §5.3.2): the ledger has already said such a token stays valid, and the
 * CA's entry says from when the key was not to be trusted. A token signed at or after it is refused.
 */
function revokedBefore(entry: RevokedEntry, iatMs: number): string | undefined {
  const cutoff = Date.parse(entry.invalidityDate ?? entry.revocationDate);
  if (iatMs < cutoff) {
    return undefined;
  }
  const since =
    entry.invalidityDate === undefined
      ? `revoked at ${entry.revocationDate}`
      : `invalid since ${entry.invalidityDate}, revoked at ${entry.revocationDate}`;
  return `the certificate ${entry.serial} was revoked by CA ${entry.caId} (${entry.reason}, ${since}) in CRL number ${entry.crlNumber}; this token was signed after that, at ${new Date(iatMs).toISOString()}`;
}

/**
 * Why the certificate path does not vouch for a token of `kid` signed at `iatMs` (epoch ms), or undefined when it
 * does: a revocation whose CRL entry dates the key's invalidity after the signature does not count against it.
 */
export function pathFaultForToken(path: ValidationResult, kid: string, iatMs: number): string | undefined {
  if (path.valid) {
    return path.kid === kid ? undefined : `the certificate names key ${path.kid ?? '?'}, not ${kid}`;
  }
  if (path.revokedEntry === undefined || path.kid !== kid) {
    return path.reason ?? 'the certificate does not validate';
  }
  return revokedBefore(path.revokedEntry, iatMs);
}
