import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A client identity as a Fabric peer sees it: MSP id + PEM certificate issued by that org's CA. */
export interface TestIdentity {
  readonly name: string;
  readonly mspId: string;
  readonly certPem: string;
  /** SHA-256 of the certificate DER, hex — the fingerprint governance keys members by. */
  readonly fingerprint: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const FABRIC_ATTRIBUTE_OID = '1.2.3.4.5.6.7.8.1';

interface Authority {
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

/** Issues real X.509 certificates from one CA per MSP, so the real fabric-shim ClientIdentity parses them. */
export class IdentityFactory {
  readonly #authorities = new Map<string, Promise<Authority>>();
  #serial = 1;

  async create(
    name: string,
    mspId = 'Org1MSP',
    attributes: Record<string, string> = {},
  ): Promise<TestIdentity> {
    return this.withSubject(name, mspId, new x509.Name(`CN=${name}, OU=client, O=${mspId}`), attributes);
  }

  /** An organisation admin per Fabric NodeOUs: subject `CN=<name>, OU=admin, O=<msp>`. */
  orgAdmin(name: string, mspId = 'Org1MSP'): Promise<TestIdentity> {
    return this.withSubject(name, mspId, new x509.Name(`CN=${name}, OU=admin, O=${mspId}`));
  }

  /** A certificate with any subject, for tests of how subjects are read. */
  async withSubject(
    name: string,
    mspId: string,
    subject: x509.Name,
    attributes: Record<string, string> = {},
  ): Promise<TestIdentity> {
    const authority = await this.#authority(mspId);
    const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
    const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
    if (Object.keys(attributes).length > 0) {
      const value = Buffer.from(JSON.stringify({ attrs: attributes }), 'utf8');
      extensions.push(new x509.Extension(FABRIC_ATTRIBUTE_OID, false, value));
    }
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: (this.#serial++).toString(16).padStart(4, '0'),
      subject,
      issuer: authority.certificate.subject,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      publicKey: keys.publicKey,
      signingKey: authority.keys.privateKey,
      signingAlgorithm,
      extensions,
    });
    const certPem = certificate.toString('pem');
    const fingerprint = createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex');
    return { name, mspId, certPem, fingerprint };
  }

  #authority(mspId: string): Promise<Authority> {
    let authority = this.#authorities.get(mspId);
    if (!authority) {
      authority = (async (): Promise<Authority> => {
        const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
        const certificate = await x509.X509CertificateGenerator.createSelfSigned({
          serialNumber: '01',
          name: `CN=ca.${mspId.toLowerCase()}, O=${mspId}`,
          notBefore: new Date('2020-01-01T00:00:00Z'),
          notAfter: new Date('2040-01-01T00:00:00Z'),
          keys,
          signingAlgorithm,
          extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
        });
        return { certificate, keys };
      })();
      this.#authorities.set(mspId, authority);
    }
    return authority;
  }
}
