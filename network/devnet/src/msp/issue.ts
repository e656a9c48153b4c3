import { promises as fs } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { attributesJson, issueLeaf, readAttributes } from './certs';
import { caCertFileName, writeSigningMsp, type MspFolderCerts } from './layout';
import { loadIdentity, NetworkMaterialError, type IdentityFiles, type OrgMaterial } from './material';
import { nodeRoleOf } from './manager';
import type { NodeRole } from './types';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9.-]+)?$/;

/** Attributes Fabric CA puts in every enrolment certificate next to the requested ones. */
function fabricCaAttributes(
  enrollmentId: string,
  role: NodeRole,
  attributes: Readonly<Record<string, string>>,
): Record<string, string> {
  return { 'hf.Affiliation': '', 'hf.EnrollmentID': enrollmentId, 'hf.Type': role, ...attributes };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Issues (or returns the already issued) identity `name` of `org` with NodeOU `role`, written as an
 * MSP folder under `<org>/users/<name>@<domain>/msp`. With `attributes`, the certificate carries
 * Fabric CA's attribute extension (OID 1.2.3.4.5.6.7.8.1, `{"attrs":{…}}` including hf.EnrollmentID,
 * hf.Type and hf.Affiliation), which fabric-shim's `ClientIdentity.getAttributeValue` reads.
 * Calling again with the same role and attributes returns the same certificate; otherwise the
 * identity is re-issued.
 * @throws NetworkMaterialError for names that are not a plain user name
 */
export async function issueIdentity(
  org: OrgMaterial,
  name: string,
  role: NodeRole,
  attributes?: Record<string, string>,
): Promise<IdentityFiles> {
  if (!NAME_PATTERN.test(name) || name.includes('..')) {
    throw new NetworkMaterialError(
      `invalid identity name '${name}': use letters, digits, '.', '_', '-' (optionally name@domain)`,
    );
  }
  const commonName = name.includes('@') ? name : `${name}@${org.domain}`;
  const enrollmentId = name.includes('@') ? name.slice(0, name.indexOf('@')) : name;
  const identityDir = path.join(org.dir, 'users', commonName);
  const mspDir = path.join(identityDir, 'msp');
  const wantedAttributes =
    attributes === undefined ? undefined : fabricCaAttributes(enrollmentId, role, attributes);

  const existingPem = await readIfExists(path.join(mspDir, 'signcerts', 'cert.pem'));
  if (existingPem !== undefined && matches(existingPem, role, wantedAttributes)) {
    return loadIdentity(org.mspId, mspDir);
  }

  const caCertFile = caCertFileName(org.domain);
  const caKeyPem = await fs.readFile(path.join(org.dir, 'ca', 'priv_sk'), 'utf8');
  const leaf = await issueLeaf(
    { certPem: org.caCertPem, keyPem: caKeyPem },
    { organization: org.domain, organizationalUnits: [role], commonName },
    wantedAttributes === undefined
      ? { kind: 'identity', role }
      : { kind: 'identity', role, attributes: wantedAttributes },
  );
  const certs: MspFolderCerts = { caCertPem: org.caCertPem, caCertFile, tlsCaCertPem: org.tlsCaCertPem };
  // Write next to the target and swap, so a reader never sees a cert without its key.
  const staging = `${identityDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeSigningMsp(path.join(staging, 'msp'), certs, leaf);
    await fs.rm(identityDir, { recursive: true, force: true });
    await fs.rename(staging, identityDir);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return loadIdentity(org.mspId, mspDir);
}

function matches(certPem: string, role: NodeRole, attributes: Record<string, string> | undefined): boolean {
  try {
    if (nodeRoleOf(new X509Certificate(certPem)) !== role) return false;
    const existing = readAttributes(certPem);
    if (attributes === undefined || existing === undefined) return attributes === existing;
    return attributesJson(existing) === attributesJson(attributes);
  } catch {
    return false;
  }
}
