import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { TestIdentity } from '../support/identities';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * Issues certificates with a chosen subject, the way test/support/identities.ts does, for the cases that
 * factory cannot make: Fabric NodeOU admin certificates (`OU=admin`) and odd subjects.
 */
export class SubjectIdentityFactory {
  readonly #authorities = new Map<
    string,
    Promise<{ certificate: x509.X509Certificate; keys: CryptoKeyPair }>
  >();
  #serial = 1;

  /** An organisation admin per NodeOUs: subject `CN=<name>, OU=admin, O=<msp>`. */
  orgAdmin(name: string, mspId = 'Org1MSP'): Promise<TestIdentity> {
    return this.withSubject(name, mspId, new x509.Name(`CN=${name}, OU=admin, O=${mspId}`));
  }

  async withSubject(name: string, mspId: string, subject: x509.Name): Promise<TestIdentity> {
    const authority = await this.#authority(mspId);
    const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: (this.#serial++).toString(16).padStart(4, '0'),
      subject,
      issuer: authority.certificate.subject,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      publicKey: keys.publicKey,
      signingKey: authority.keys.privateKey,
      signingAlgorithm,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
    const fingerprint = createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex');
    return { name, mspId, certPem: certificate.toString('pem'), fingerprint };
  }

  #authority(mspId: string): Promise<{ certificate: x509.X509Certificate; keys: CryptoKeyPair }> {
    let authority = this.#authorities.get(mspId);
    if (!authority) {
      authority = (async () => {
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
