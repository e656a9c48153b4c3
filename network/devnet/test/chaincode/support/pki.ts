import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
  readonly privateKey: CryptoKey;
}

export interface TestPki {
  readonly caPem: string;
  /** TLS server certificate for 127.0.0.1 / localhost. */
  readonly server: KeyPairPem;
  /** TLS client certificate (mutual TLS). */
  readonly client: KeyPairPem;
  /** A client identity as the creator of proposals (Fabric-style subject). */
  readonly user: KeyPairPem;
}

/** A throw-away CA with server, client and user certificates (ECDSA P-256), PEM encoded. */
export async function createTestPki(): Promise<TestPki> {
  const caKeys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=devnet test CA, O=Org1MSP',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    keys: caKeys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issue = async (
    serial: string,
    subject: string,
    extensions: x509.Extension[],
  ): Promise<KeyPairPem> => {
    const keys = await generateKeys();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: ca.subject,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      certPem: certificate.toString('pem'),
      keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
      privateKey: keys.privateKey,
    };
  };
  const server = await issue('02', 'CN=localhost', [
    new x509.SubjectAlternativeNameExtension([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const client = await issue('03', 'CN=chaincode', [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  const user = await issue('04', 'CN=User1, OU=client, O=Org1MSP', []);
  return { caPem: ca.toString('pem'), server, client, user };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
}
