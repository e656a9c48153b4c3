import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** The cRLNumber extension (RFC 5280 §5.2.3): non-critical, a monotonically increasing integer. */
export function crlNumberExtension(value: number): x509.Extension {
  return new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(value)));
}

/** The CRL number of a CRL, or undefined when it has none. */
export function crlNumberOf(crl: x509.X509Crl): number | undefined {
  const extension = crl.getExtension(id_ce_cRLNumber);
  return extension ? AsnConvert.parse(extension.value, CRLNumber).value : undefined;
}
