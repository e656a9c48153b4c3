import 'reflect-metadata';
import { X509CrlReason } from '@peculiar/x509';

/** RFC 5280 §5.3.1 CRLReason names, as the API and the validator speak them. Value 7 is not used. */
export const REVOCATION_REASONS = {
  unspecified: X509CrlReason.unspecified,
  keyCompromise: X509CrlReason.keyCompromise,
  cACompromise: X509CrlReason.cACompromise,
  affiliationChanged: X509CrlReason.affiliationChanged,
  superseded: X509CrlReason.superseded,
  cessationOfOperation: X509CrlReason.cessationOfOperation,
  certificateHold: X509CrlReason.certificateHold,
  privilegeWithdrawn: X509CrlReason.privilegeWithdrawn,
  aACompromise: X509CrlReason.aACompromise,
} as const satisfies Record<string, X509CrlReason>;

export type RevocationReason = keyof typeof REVOCATION_REASONS;

export const REVOCATION_REASON_NAMES = Object.keys(REVOCATION_REASONS) as [
  RevocationReason,
  ...RevocationReason[],
];

/** The name of a CRL entry's reason code (an absent code means unspecified, RFC 5280 §5.3.1). */
export function revocationReasonName(code: number | undefined): RevocationReason {
  const found = REVOCATION_REASON_NAMES.find((name) => REVOCATION_REASONS[name] === code);
  return found ?? 'unspecified';
}
