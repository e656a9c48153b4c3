import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createCa, issueLeaf, type KeyAndCert } from './certs';
import {
  CERT_FILE_MODE,
  KEY_FILE_MODE,
  MANIFEST_FILE,
  ORDERER_DOMAIN,
  ORDERER_MSP_ID,
  ORGANIZATIONS_DIR,
  TLS_CA_NAME,
  caCertFileName,
  identityPaths,
  ordererOrgDir,
  orgNames,
  peerOrgDir,
  tlsCaCertFileName,
  writeFileWithMode,
  writeSigningMsp,
  writeTlsFolder,
  writeVerifyingMsp,
  type MspFolderCerts,
} from './layout';
import { MspError, type NodeRole } from './types';

/** One signing identity on disk: its MSP folder, certificate and PKCS#8 key. */
export interface IdentityFiles {
  mspId: string;
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
  mspDir: string;
}

/** An organisation with its CA, its peer's identity and an admin and a user. */
export interface OrgMaterial {
  /** e.g. Org1MSP */
  mspId: string;
  /** e.g. org1 */
  name: string;
  /** e.g. org1.example.com */
  domain: string;
  caCertPem: string;
  tlsCaCertPem: string;
  peer: IdentityFiles;
  admin: IdentityFiles;
  user: IdentityFiles;
  /** organizations/peerOrganizations/<domain> */
  dir: string;
}

/** TLS for the devnet's gRPC endpoint: one TLS CA, a server cert (localhost) and a client cert (mutual TLS, CCaaS). */
export interface TlsMaterial {
  caCertPem: string;
  caCertPath: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** All crypto material of the devnet. */
export interface NetworkMaterial {
  orgs: OrgMaterial[];
  /** OrdererMSP, OU orderer */
  orderer: IdentityFiles;
  ordererCaCertPem: string;
  tls: TlsMaterial;
}

/** Thrown when the data folder's material cannot be created or does not match what is asked. */
export class NetworkMaterialError extends MspError {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkMaterialError';
  }
}

interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly orgCount: number;
  readonly createdAt: string;
}

const MANIFEST_FORMAT = 'keyledger-devnet-msp/1';
const MAX_ORGS = 99;
const SERVER_HOSTS_BASE = ['localhost', '127.0.0.1', '::1'];

/**
 * Returns the devnet's crypto material, generating it on the first call for a data folder and
 * reading it back afterwards (same certificates and keys, so client identities stay valid across
 * restarts). Generation happens in a temporary folder that is renamed into place, so an interrupted
 * first start leaves nothing half-written.
 * @throws NetworkMaterialError when the folder holds material for a different number of organisations,
 *   or an `organizations` folder the devnet did not write.
 */
export async function ensureNetworkMaterial(dataDir: string, orgCount: number): Promise<NetworkMaterial> {
  if (!Number.isInteger(orgCount) || orgCount < 1 || orgCount > MAX_ORGS) {
    throw new NetworkMaterialError(`orgCount must be an integer from 1 to ${MAX_ORGS}, got ${orgCount}`);
  }
  const base = path.resolve(dataDir);
  const root = path.join(base, ORGANIZATIONS_DIR);
  if (!(await exists(root))) {
    await fs.mkdir(base, { recursive: true });
    const staging = path.join(
      base,
      `.${ORGANIZATIONS_DIR}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      await generate(staging, orgCount);
      await fs.rename(staging, root);
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      // Another caller may have won the race to create the folder: then load what it wrote.
      if (!(await exists(path.join(root, MANIFEST_FILE)))) throw error;
    }
  }
  return load(base, root, orgCount);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function readManifest(root: string): Promise<Manifest> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, MANIFEST_FILE), 'utf8');
  } catch {
    throw new NetworkMaterialError(
      `${root} exists but has no ${MANIFEST_FILE}: it was not written by the devnet; move it away or use another data folder`,
    );
  }
  const manifest = JSON.parse(text) as Partial<Manifest>;
  if (manifest.format !== MANIFEST_FORMAT || typeof manifest.orgCount !== 'number') {
    throw new NetworkMaterialError(`${path.join(root, MANIFEST_FILE)} is not a ${MANIFEST_FORMAT} manifest`);
  }
  return manifest as Manifest;
}

// ---------------------------------------------------------------------------------------------
// Generation

async function generate(root: string, orgCount: number): Promise<void> {
  const tlsCa = await createCa(TLS_CA_NAME, ORDERER_DOMAIN);
  const serverHosts = [...SERVER_HOSTS_BASE, `orderer.${ORDERER_DOMAIN}`];
  for (let i = 1; i <= orgCount; i++) serverHosts.push(`peer0.${orgNames(i).domain}`);
  const serverTls = await issueLeaf(
    tlsCa,
    { organization: ORDERER_DOMAIN, commonName: `devnet.${ORDERER_DOMAIN}` },
    { kind: 'tls', hosts: serverHosts },
  );
  const clientTls = await issueLeaf(
    tlsCa,
    { organization: ORDERER_DOMAIN, organizationalUnits: ['client'], commonName: `client.${ORDERER_DOMAIN}` },
    { kind: 'tls', hosts: ['localhost'] },
  );
  const tls = { ca: tlsCa, server: serverTls, client: clientTls };

  const tlsDir = path.join(root, 'tls');
  await writeFileWithMode(path.join(tlsDir, 'ca.crt'), tlsCa.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, 'server.crt'), serverTls.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, 'server.key'), serverTls.keyPem, KEY_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, 'client.crt'), clientTls.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(tlsDir, 'client.key'), clientTls.keyPem, KEY_FILE_MODE);

  // The orderer organisation holds the TLS CA's key: it is the network's TLS authority.
  const ordererDir = ordererOrgDir(root);
  await writeFileWithMode(path.join(ordererDir, 'tlsca', tlsCaCertFileName()), tlsCa.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(ordererDir, 'tlsca', 'priv_sk'), tlsCa.keyPem, KEY_FILE_MODE);
  await generateOrg(
    ordererDir,
    ORDERER_DOMAIN,
    [{ folder: `orderers/orderer.${ORDERER_DOMAIN}`, cn: `orderer.${ORDERER_DOMAIN}`, role: 'orderer' }],
    tls,
  );

  for (let i = 1; i <= orgCount; i++) {
    const { domain } = orgNames(i);
    const dir = peerOrgDir(root, domain);
    await writeFileWithMode(path.join(dir, 'tlsca', tlsCaCertFileName()), tlsCa.certPem, CERT_FILE_MODE);
    await generateOrg(
      dir,
      domain,
      [
        { folder: `peers/peer0.${domain}`, cn: `peer0.${domain}`, role: 'peer' },
        { folder: `users/User1@${domain}`, cn: `User1@${domain}`, role: 'client' },
      ],
      tls,
    );
  }

  const manifest: Manifest = { format: MANIFEST_FORMAT, orgCount, createdAt: new Date().toISOString() };
  await writeFileWithMode(
    path.join(root, MANIFEST_FILE),
    JSON.stringify(manifest, null, 2) + '\n',
    CERT_FILE_MODE,
  );
}

interface IdentitySpec {
  readonly folder: string;
  readonly cn: string;
  readonly role: NodeRole;
}

async function generateOrg(
  dir: string,
  domain: string,
  nodes: readonly IdentitySpec[],
  tls: { ca: KeyAndCert; server: KeyAndCert; client: KeyAndCert },
): Promise<void> {
  const ca = await createCa(`ca.${domain}`, domain);
  const caCertFile = caCertFileName(domain);
  await writeFileWithMode(path.join(dir, 'ca', caCertFile), ca.certPem, CERT_FILE_MODE);
  await writeFileWithMode(path.join(dir, 'ca', 'priv_sk'), ca.keyPem, KEY_FILE_MODE);
  const certs: MspFolderCerts = { caCertPem: ca.certPem, caCertFile, tlsCaCertPem: tls.ca.certPem };
  await writeVerifyingMsp(path.join(dir, 'msp'), certs);

  const all: IdentitySpec[] = [
    ...nodes,
    { folder: `users/Admin@${domain}`, cn: `Admin@${domain}`, role: 'admin' },
  ];
  for (const spec of all) {
    const leaf = await issueLeaf(
      ca,
      { organization: domain, organizationalUnits: [spec.role], commonName: spec.cn },
      { kind: 'identity', role: spec.role },
    );
    const idDir = path.join(dir, spec.folder);
    await writeSigningMsp(path.join(idDir, 'msp'), certs, leaf);
    const isNode = spec.role === 'peer' || spec.role === 'orderer';
    await writeTlsFolder(
      path.join(idDir, 'tls'),
      tls.ca.certPem,
      isNode ? 'server' : 'client',
      isNode ? tls.server : tls.client,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

async function load(base: string, root: string, orgCount: number): Promise<NetworkMaterial> {
  const manifest = await readManifest(root);
  if (manifest.orgCount !== orgCount) {
    throw new NetworkMaterialError(
      `the data folder ${base} holds material for ${manifest.orgCount} organisation(s) but ${orgCount} were requested; ` +
        `start with ${manifest.orgCount} organisations or use a fresh data folder`,
    );
  }
  const tlsDir = path.join(root, 'tls');
  const tls: TlsMaterial = {
    caCertPem: await readText(path.join(tlsDir, 'ca.crt')),
    caCertPath: path.join(tlsDir, 'ca.crt'),
    serverCertPem: await readText(path.join(tlsDir, 'server.crt')),
    serverKeyPem: await readText(path.join(tlsDir, 'server.key')),
    clientCertPem: await readText(path.join(tlsDir, 'client.crt')),
    clientKeyPem: await readText(path.join(tlsDir, 'client.key')),
  };
  const ordererDir = ordererOrgDir(root);
  const orderer = await loadIdentity(
    ORDERER_MSP_ID,
    path.join(ordererDir, 'orderers', `orderer.${ORDERER_DOMAIN}`, 'msp'),
  );
  const ordererCaCertPem = await readText(path.join(ordererDir, 'ca', caCertFileName(ORDERER_DOMAIN)));

  const orgs: OrgMaterial[] = [];
  for (let i = 1; i <= orgCount; i++) {
    const { mspId, name, domain } = orgNames(i);
    const dir = peerOrgDir(root, domain);
    orgs.push({
      mspId,
      name,
      domain,
      caCertPem: await readText(path.join(dir, 'ca', caCertFileName(domain))),
      tlsCaCertPem: await readText(path.join(dir, 'tlsca', tlsCaCertFileName())),
      peer: await loadIdentity(mspId, path.join(dir, 'peers', `peer0.${domain}`, 'msp')),
      admin: await loadIdentity(mspId, path.join(dir, 'users', `Admin@${domain}`, 'msp')),
      user: await loadIdentity(mspId, path.join(dir, 'users', `User1@${domain}`, 'msp')),
      dir,
    });
  }
  return { orgs, orderer, ordererCaCertPem, tls };
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new NetworkMaterialError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Reads the signing identity of an MSP folder written by the devnet. */
export async function loadIdentity(mspId: string, mspDir: string): Promise<IdentityFiles> {
  const { certPath, keyPath } = identityPaths(mspDir);
  return {
    mspId,
    certPem: await readText(certPath),
    keyPem: await readText(keyPath),
    certPath,
    keyPath,
    mspDir,
  };
}
