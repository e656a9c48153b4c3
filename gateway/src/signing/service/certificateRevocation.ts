import type { CaValidator, IssuedCertificate, RevocationReason } from '../ca';

/** What one CA answered when asked to revoke the key's certificate. */
export type CertificateRevocationOutcome =
  | {
      readonly caId: string;
      readonly serial: string;
      readonly revoked: true;
      /** The CRL that lists the certificate. */
      readonly crlNumber: number;
      /** The CRL entry's invalidityDate (ISO), when one was given. */
      readonly invalidityDate?: string;
      /** True when the CA had revoked it before: the first reason and times stand (RFC 5280). */
      readonly alreadyRevoked: boolean;
    }
  | {
      readonly caId: string;
      readonly serial: string;
      readonly revoked: false;
      /** Why the CA did not revoke it (down, refused): to be asked again. */
      readonly error: Error;
    };

/**
 * Asks the CA of each certificate to revoke it with the reason and, when the key was compromised, the
 * compromise time as the CRL entry's invalidityDate. All are asked, one after the other, whatever the others
 * answer: a CA that is down is reported, never thrown, so that it cannot stop the revocation at the others (nor
 * on the ledger, which decides first). A CA revokes idempotently, so asking again later is safe.
 */
export async function revokeAtIssuers(
  validator: CaValidator,
  certificates: readonly IssuedCertificate[],
  reason: RevocationReason,
  compromisedAt: number | undefined,
): Promise<CertificateRevocationOutcome[]> {
  const outcomes: CertificateRevocationOutcome[] = [];
  for (const certificate of certificates) {
    const caId = certificate.issuer;
    const serial = certificate.serial;
    try {
      const revocation = await validator.client(caId).revoke(serial, {
        reason,
        ...(compromisedAt === undefined ? {} : { invalidityDate: new Date(compromisedAt) }),
      });
      // This process's verifiers see the revocation at once, not when the cached CRL ages out.
      validator.invalidateCrls(caId);
      outcomes.push({
        caId,
        serial,
        revoked: true,
        crlNumber: revocation.crlNumber,
        ...(revocation.invalidityDate === undefined ? {} : { invalidityDate: revocation.invalidityDate }),
        alreadyRevoked: revocation.alreadyRevoked,
      });
    } catch (error) {
      outcomes.push({
        caId,
        serial,
        revoked: false,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }
  return outcomes;
}
