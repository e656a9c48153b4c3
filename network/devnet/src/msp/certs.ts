import 'reflect-metadata';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { toLowSP1363 } from './ecdsa';
import type { NodeRole } from './types';

/**
 * Certificate issuance with the shapes cryptogen gives them (`internal/cryptogen/ca/ca.go`):
 * ECDSA P-256 keys, SHA256-with-ECDSA signatures, a 128-bit random serial, validity from five
 * minutes before now for ten years, SKI = SHA-256 of the uncompressed public point (RFC 7093 m.4,
 * which is also the key's BCCSP SKI), CA certs with certSign/CRLSign, leaf signing certs with
 * digitalSignature only, TLS certs with serverAuth+clientAuth and SANs.
 */

/** OID under which Fabric CA stores attributes as JSON `{"attrs":{…}}`. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const COUNTRY = 'US';
const PROVINCE = 'California';
const LOCALITY = 'San Francisco';
const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;
const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * A WebCrypto whose ECDSA signatures are low-S, so certificate signatures have the form Fabric
 * itself normalises to (`msp.sanitizeCert`); everything else is Node's WebCrypto.
 */
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;

const lowSCrypto: X509Crypto = (() => {
  const subtle = webcrypto.subtle;
  const lowSSubtle = new Proxy(subtle, {
    get(target, property): unknown {
      if (property === 'sign') {
        return async (
          algorithm: webcrypto.AlgorithmIdentifier,
          key: webcrypto.CryptoKey,
          data: Uint8Array,
        ): Promise<ArrayBuffer> => {
          const raw = new Uint8Array(await target.sign(algorithm, key, data));
          return toLowSP1363(raw).buffer as ArrayBuffer;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const crypto = {
    subtle: lowSSubtle,
    getRandomValues: (array: Uint8Array): Uint8Array => webcrypto.getRandomValues(array),
    randomUUID: (): string => webcrypto.randomUUID(),
  };
  return crypto as unknown as X509Crypto;
})();

/** A private key with its certificate, both PEM. */
export interface KeyAndCert {
  readonly keyPem: string;
  readonly certPem: string;
}

/** Subject fields of a cryptogen-style name: C, ST, L, O, OU…, CN (in this DER order). */
export interface SubjectSpec {
  readonly organization: string;
  readonly organizationalUnits?: readonly string[];
  readonly commonName: string;
}

/** What a leaf certificate is for. */
export type LeafKind =
  | {
      readonly kind: 'identity';
      readonly role: NodeRole;
      readonly attributes?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'tls'; readonly hosts: readonly string[] };

function subjectName(spec: SubjectSpec): x509.JsonName {
  const name: x509.JsonName = [
    { C: [COUNTRY] },
    { ST: [PROVINCE] },
    { L: [LOCALITY] },
    { O: [spec.organization] },
  ];
  for (const ou of spec.organizationalUnits ?? []) name.push({ OU: [ou] });
  name.push({ CN: [spec.commonName] });
  return name;
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const minute = 60_000;
  const notBefore = new Date(Math.round(now / minute) * minute - 5 * minute);
  return { notBefore, notAfter: new Date(notBefore.getTime() + TEN_YEARS_MS) };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

/** Fabric's SKI: SHA-256 of the uncompressed EC point 04‖X‖Y. */
export function subjectKeyId(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('not an EC public key');
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
  return createHash('sha256').update(point).digest();
}

function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

async function webSigningKey(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

function spki(publicKey: KeyObject): ArrayBuffer {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

function pem(cert: x509.X509Certificate): string {
  const text = cert.toString('pem').replace(/\r\n/g, '\n');
  return text.endsWith('\n') ? text : text + '\n';
}

/** JSON bytes of Fabric CA's attribute extension; keys sorted as Go's encoding/json writes a map. */
export function attributesJson(attributes: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) sorted[key] = attributes[key] ?? '';
  return JSON.stringify({ attrs: sorted });
}

/** Creates a self-signed root CA (cryptogen's `NewCA`). */
export async function createCa(commonName: string, organization: string): Promise<KeyAndCert> {
  const { privateKey, publicKey, keyPem } = newKeyPair();
  const ski = subjectKeyId(publicKey).toString('hex');
  const name = subjectName({ organization, commonName });
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: name,
      issuer: name,
      ...validity(),
      publicKey: spki(publicKey),
      signingKey: await webSigningKey(privateKey),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.clientAuth,
          x509.ExtendedKeyUsage.serverAuth,
        ]),
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.SubjectKeyIdentifierExtension(ski),
      ],
    },
    lowSCrypto,
  );
  return { keyPem, certPem: pem(cert) };
}

/**
 * Issues a leaf certificate from `ca`: an MSP signing identity (OU = NodeOU role, optional Fabric CA
 * attributes) or a TLS certificate (SANs: IPs as iPAddress, others as dNSName).
 */
export async function issueLeaf(ca: KeyAndCert, subject: SubjectSpec, leaf: LeafKind): Promise<KeyAndCert> {
  const { publicKey, keyPem } = newKeyPair();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  const caSki = subjectKeyId(createPublicKey(caKey)).toString('hex');
  const extensions: x509.Extension[] = [];
  if (leaf.kind === 'identity') {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  } else {
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
    );
    extensions.push(
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    );
  }
  extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
  extensions.push(new x509.SubjectKeyIdentifierExtension(subjectKeyId(publicKey).toString('hex')));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(caSki));
  if (leaf.kind === 'tls') {
    const names: x509.JsonGeneralName[] = leaf.hosts.map((host) => ({
      type: isIpAddress(host) ? 'ip' : 'dns',
      value: host,
    }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  } else if (leaf.attributes !== undefined) {
    extensions.push(
      new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(attributesJson(leaf.attributes), 'utf8')),
    );
  }
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: subjectName(subject),
      issuer: caCert.subjectName,
      ...validity(),
      publicKey: spki(publicKey),
      signingKey: await webSigningKey(caKey),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions,
    },
    lowSCrypto,
  );
  return { keyPem, certPem: pem(cert) };
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** Reads the Fabric CA attributes (`{"attrs":{…}}`) of a certificate, or undefined when it has none. */
export function readAttributes(certPem: string): Record<string, string> | undefined {
  const cert = new x509.X509Certificate(certPem);
  const extension = cert.getExtension(FABRIC_ATTRS_OID);
  if (extension === null) return undefined;
  const parsed = JSON.parse(Buffer.from(extension.value).toString('utf8')) as {
    attrs?: Record<string, string>;
  };
  return parsed.attrs ?? {};
}
