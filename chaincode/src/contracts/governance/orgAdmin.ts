import { callerCertificate, type KeyLedgerContext } from '../../lib';

export interface CertificateSubject {
  readonly organizationalUnits: string[];
  readonly commonName?: string;
}

/** The OU Fabric NodeOUs give an organisation admin's certificate (`AdminOUIdentifier`). */
export const ADMIN_OU = 'admin';

/**
 * Reads the caller certificate's subject. Node prints one RDN per line and joins the attributes of a
 * multi-valued RDN with " + "; special characters inside values are escaped (`\+`, `\0A`), so a value cannot
 * fake another attribute.
 */
export function callerSubject(ctx: KeyLedgerContext): CertificateSubject {
  const { subject } = callerCertificate(ctx);
  const attributes = subject
    .split('\n')
    .flatMap((line) => line.split(' + '))
    .map((part) => {
      const at = part.indexOf('=');
      return { type: part.slice(0, at), value: part.slice(at + 1) };
    });
  return {
    organizationalUnits: attributes.filter((a) => a.type === 'OU').map((a) => a.value),
    commonName: attributes.find((a) => a.type === 'CN')?.value,
  };
}

/** An organisation admin per Fabric NodeOUs: the certificate subject carries OU=admin. */
export function isOrgAdmin(subject: CertificateSubject): boolean {
  return subject.organizationalUnits.includes(ADMIN_OU);
}
