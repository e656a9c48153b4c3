import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { certificateFingerprint } from '../fabric';
import { writeFileAtomic } from '../files';

/** A server's TLS identity (a key provider, a security module): what it presents and what its ledger record pins. */
export interface TlsIdentity {
  readonly keyPem: string;
  readonly certPem: string;
  /** SHA-256 (hex) of the certificate DER, as the ledger stores it. */
  readonly fingerprint: string;
}

type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;

const KEY_FILE = 'tls-key.pem';
const CERT_FILE = 'tls-cert.pem';
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

/**
 * Loads the TLS key and self-signed certificate from `dir`, or makes them on first start (P-256, ECDSA-SHA256,
 * serverAuth, SANs for the hosts). Self-signed is enough because nobody trusts it through a CA: a client pins the
 * exact certificate registered for the server on the ledger. The private key is a file (mode 0600) as a Fabric
 * peer's TLS key is: Node's TLS cannot sign a handshake with a PKCS#11 key. The keys it protects the traffic of
 * stay in the token. `organisation` names the kind of server in the certificate's subject.
 */
export async function loadOrCreateTlsIdentity(
  dir: string,
  subject: string,
  hosts: readonly string[],
  organisation = 'KeyLedger key provider',
): Promise<TlsIdentity> {
  const keyPath = join(dir, KEY_FILE);
  const certPath = join(dir, CERT_FILE);
  if (existsSync(keyPath) && existsSync(certPath)) {
    const keyPem = readFileSync(keyPath, 'utf8');
    const certPem = readFileSync(certPath, 'utf8');
    const cert = new X509Certificate(certPem);
    if (cert.checkPrivateKey(createPrivateKey(keyPem)) && Date.parse(cert.validTo) > Date.now()) {
      return { keyPem, certPem, fingerprint: certificateFingerprint(certPem) };
    }
  }
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      name: `CN=${subject}, O=${organisation}`,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + VALIDITY_MS),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((host) => ({
            type: /^[\d.]+$|:/.test(host) ? ('ip' as const) : ('dns' as const),
            value: host,
          })),
        ),
      ],
    },
    webcrypto as unknown as X509Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  pkcs8.fill(0);
  const certPem = cert.toString('pem');
  writeFileAtomic(keyPath, keyPem, { mode: 0o600 });
  writeFileAtomic(certPath, certPem);
  return { keyPem, certPem, fingerprint: certificateFingerprint(certPem) };
}
