import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

/** The RFC 5280 verdict on one certificate path, from pkijs. */
export interface PathVerdict {
  readonly valid: boolean;
  /** pkijs's message when invalid. */
  readonly message?: string;
  /** pkijs's result code (12: revoked). */
  readonly code?: number;
  /** Leaf first, trust anchor last (DER). */
  readonly path: readonly Buffer[];
}

const engine = new pkijs.CryptoEngine({
  name: 'node',
  crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'],
});

/**
 * Validates `leaf` up to the single pinned `anchor` with pkijs's CertificateChainValidationEngine (RFC 5280: names,
 * signatures, validity at `at`, basicConstraints and keyUsage of the CA), with the CA's CRL when one is given.
 * pkijs checks no revocation at all when no CRL is given and still says valid; the caller must not read a valid
 * verdict without a CRL as "not revoked" (CaValidator reports `revocation.checked: 'none'` then).
 */
export async function validatePath(
  leaf: Buffer,
  anchor: Buffer,
  crl: Buffer | undefined,
  at: Date,
): Promise<PathVerdict> {
  let engineInput: pkijs.CertificateChainValidationEngine;
  try {
    engineInput = new pkijs.CertificateChainValidationEngine({
      trustedCerts: [pkijs.Certificate.fromBER(new Uint8Array(anchor))],
      certs: [pkijs.Certificate.fromBER(new Uint8Array(leaf))],
      crls: crl ? [pkijs.CertificateRevocationList.fromBER(new Uint8Array(crl))] : [],
      checkDate: at,
    });
  } catch (error) {
    return {
      valid: false,
      message: `does not parse: ${error instanceof Error ? error.message : String(error)}`,
      path: [],
    };
  }
  const result = await engineInput.verify({ passedWhenNotRevValues: false }, engine);
  const path = (result.certificatePath ?? []).map((certificate) =>
    Buffer.from(certificate.toSchema().toBER(false)),
  );
  return result.result
    ? { valid: true, path }
    : {
        valid: false,
        message:
          result.resultMessage || (result.error instanceof Error ? result.error.message : 'invalid path'),
        code: result.resultCode,
        path,
      };
}
