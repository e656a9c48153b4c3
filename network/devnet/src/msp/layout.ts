import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NodeRole } from './types';

/**
 * File layout of the crypto material, as fabric-samples' test-network (cryptogen) writes it, so that
 * `peer`, `configtxgen`, fabric-samples applications and people who know Fabric find things where
 * they expect them:
 *
 * ```
 * organizations/peerOrganizations/org1.example.com/
 *   ca/{ca.org1.example.com-cert.pem, priv_sk}
 *   tlsca/tlsca.example.com-cert.pem              (the devnet's one TLS CA, see material.ts)
 *   msp/{cacerts/ca.org1.example.com-cert.pem, tlscacerts/tlsca.example.com-cert.pem, config.yaml}
 *   peers/peer0.org1.example.com/{msp/…, tls/{ca.crt, server.crt, server.key}}
 *   users/{Admin,User1}@org1.example.com/{msp/{signcerts/cert.pem, keystore/priv_sk, cacerts, tlscacerts, config.yaml}, tls/{ca.crt, client.crt, client.key}}
 * organizations/ordererOrganizations/example.com/ …same, with orderers/orderer.example.com
 * organizations/tls/{ca.crt, server.crt, server.key, client.crt, client.key}   (the devnet endpoint)
 * ```
 */

export const ORGANIZATIONS_DIR = 'organizations';
export const MANIFEST_FILE = 'devnet-material.json';
export const ORDERER_DOMAIN = 'example.com';
export const ORDERER_MSP_ID = 'OrdererMSP';
export const TLS_CA_NAME = `tlsca.${ORDERER_DOMAIN}`;

export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** Names of organisation `index` (1-based): Org1MSP, org1, org1.example.com. */
export function orgNames(index: number): { mspId: string; name: string; domain: string } {
  return { mspId: `Org${index}MSP`, name: `org${index}`, domain: `org${index}.example.com` };
}

export function peerOrgDir(root: string, domain: string): string {
  return path.join(root, 'peerOrganizations', domain);
}

export function ordererOrgDir(root: string): string {
  return path.join(root, 'ordererOrganizations', ORDERER_DOMAIN);
}

export function caCertFileName(domain: string): string {
  return `ca.${domain}-cert.pem`;
}

export function tlsCaCertFileName(): string {
  return `${TLS_CA_NAME}-cert.pem`;
}

/** Paths inside one identity's `msp` folder. */
export function identityPaths(mspDir: string): { certPath: string; keyPath: string } {
  return {
    certPath: path.join(mspDir, 'signcerts', 'cert.pem'),
    keyPath: path.join(mspDir, 'keystore', 'priv_sk'),
  };
}

/** NodeOUs `config.yaml`, as cryptogen writes it when `EnableNodeOUs: true`. */
export function nodeOusConfigYaml(caCertFile: string): string {
  const identifier = (role: NodeRole): string =>
    `    Certificate: cacerts/${caCertFile}\n    OrganizationalUnitIdentifier: ${role}\n`;
  return (
    'NodeOUs:\n' +
    '  Enable: true\n' +
    '  ClientOUIdentifier:\n' +
    identifier('client') +
    '  PeerOUIdentifier:\n' +
    identifier('peer') +
    '  AdminOUIdentifier:\n' +
    identifier('admin') +
    '  OrdererOUIdentifier:\n' +
    identifier('orderer')
  );
}

/** Writes a file, creating its folder; key files get mode 0600. */
export async function writeFileWithMode(file: string, content: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
  await fs.writeFile(file, content, { mode });
  await fs.chmod(file, mode);
}

/** The CA certificates every MSP folder carries, and its NodeOUs config. */
export interface MspFolderCerts {
  readonly caCertPem: string;
  readonly caCertFile: string;
  readonly tlsCaCertPem: string;
}

/** Writes an MSP folder without a signing identity (the organisation's `msp`). */
export async function writeVerifyingMsp(mspDir: string, certs: MspFolderCerts): Promise<void> {
  await writeFileWithMode(path.join(mspDir, 'cacerts', certs.caCertFile), certs.caCertPem, CERT_FILE_MODE);
  await writeFileWithMode(
    path.join(mspDir, 'tlscacerts', tlsCaCertFileName()),
    certs.tlsCaCertPem,
    CERT_FILE_MODE,
  );
  await writeFileWithMode(
    path.join(mspDir, 'config.yaml'),
    nodeOusConfigYaml(certs.caCertFile),
    CERT_FILE_MODE,
  );
}

/** Writes a full local MSP folder (an identity's `msp`) and returns the cert and key paths. */
export async function writeSigningMsp(
  mspDir: string,
  certs: MspFolderCerts,
  identity: { certPem: string; keyPem: string },
): Promise<{ certPath: string; keyPath: string }> {
  await writeVerifyingMsp(mspDir, certs);
  const paths = identityPaths(mspDir);
  await writeFileWithMode(paths.certPath, identity.certPem, CERT_FILE_MODE);
  await writeFileWithMode(paths.keyPath, identity.keyPem, KEY_FILE_MODE);
  return paths;
}

/** Writes an identity's `tls` folder (`ca.crt` + `server.*` or `client.*`). */
export async function writeTlsFolder(
  tlsDir: string,
  tlsCaCertPem: string,
  kind: 'server' | 'client',
  pair: { certPem: string; keyPem: string },
): Promise<void> {
  await writeFileWithMode(path.join(tlsDir, 'ca.crt'), tlsCaCertPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, `${kind}.crt`), pair.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, `${kind}.key`), pair.keyPem, KEY_FILE_MODE);
}
