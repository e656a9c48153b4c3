import { X509Certificate, type KeyObject } from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { verifyMessage } from './ecdsa';
import { ORDERER_MSP_ID } from './layout';
import type { NetworkMaterial } from './material';
import { MspError, type Identity, type MspManager, type NodeRole } from './types';

/**
 * The channel's MSPs, validating identities as Fabric's `bccspmsp` does for X.509 MSPs with NodeOUs
 * enabled (`msp/mspimpl.go`, `mspimplvalidate.go`): the certificate must not be a CA, must be issued
 * (and signed) by one of the MSP's root CAs, and must carry exactly one NodeOU
 * (client, peer, admin, orderer). Unlike Fabric, which skips the expiry check at validation time
 * (FAB-3678), the validity period is enforced here.
 */

/** One MSP: its id and root CA certificates. */
export interface MspDefinition {
  readonly mspId: string;
  readonly rootCertPems: readonly string[];
}

/** The devnet's MSP manager: `mspIds` lists application orgs then OrdererMSP. */
export interface DevnetMspManager extends MspManager {
  /** Application (peer) organisations only, in order: Org1MSP, Org2MSP, … */
  readonly applicationMspIds: readonly string[];
  readonly ordererMspId: string;
}

const NODE_ROLES: readonly NodeRole[] = ['client', 'peer', 'admin', 'orderer'];

/** `X509Certificate.publicKey` builds a new KeyObject on every access; signatures are verified often. */
const publicKeys = new WeakMap<X509Certificate, KeyObject>();

function publicKeyOf(certificate: X509Certificate): KeyObject {
  let key = publicKeys.get(certificate);
  if (key === undefined) {
    key = certificate.publicKey;
    publicKeys.set(certificate, key);
  }
  return key;
}
const CACHE_LIMIT = 4096;

interface LoadedMsp {
  readonly mspId: string;
  readonly roots: readonly X509Certificate[];
}

/** Organisational units of a certificate subject, in order. */
export function organizationalUnits(certificate: X509Certificate): string[] {
  return certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('OU='))
    .map((line) => line.slice(3));
}

/** The certificate's NodeOU role, if it carries exactly one of client/peer/admin/orderer. */
export function nodeRoleOf(certificate: X509Certificate): NodeRole | undefined {
  const roles = organizationalUnits(certificate).filter((ou): ou is NodeRole =>
    (NODE_ROLES as readonly string[]).includes(ou),
  );
  return roles.length === 1 ? roles[0] : undefined;
}

class MspManagerImpl implements DevnetMspManager {
  readonly mspIds: readonly string[];
  readonly applicationMspIds: readonly string[];
  readonly ordererMspId: string;
  readonly #msps: ReadonlyMap<string, LoadedMsp>;
  readonly #cache = new Map<string, Identity>();
  readonly #now: () => number;

  constructor(applications: readonly MspDefinition[], orderer: MspDefinition, now: () => number) {
    const all = [...applications, orderer];
    this.#msps = new Map(
      all.map((def) => [
        def.mspId,
        { mspId: def.mspId, roots: def.rootCertPems.map((pem) => new X509Certificate(pem)) },
      ]),
    );
    this.mspIds = Object.freeze(all.map((def) => def.mspId));
    this.applicationMspIds = Object.freeze(applications.map((def) => def.mspId));
    this.ordererMspId = orderer.mspId;
    this.#now = now;
  }

  deserializeIdentity(serialized: Uint8Array): Identity {
    const key = Buffer.from(serialized).toString('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#checkValidity(cached.certificate);
      return cached;
    }
    const identity = this.#parse(serialized);
    if (this.#cache.size >= CACHE_LIMIT) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, identity);
    return identity;
  }

  verify(identity: Identity, message: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verifyMessage(publicKeyOf(identity.certificate), message, signature);
    } catch {
      return false;
    }
  }

  #parse(serialized: Uint8Array): Identity {
    let mspId: string;
    let idBytes: Uint8Array;
    try {
      const message = msp.SerializedIdentity.deserializeBinary(serialized);
      mspId = message.getMspid();
      idBytes = message.getIdBytes_asU8();
    } catch (error) {
      throw new MspError(`could not deserialize a SerializedIdentity: ${(error as Error).message}`);
    }
    const definition = this.#msps.get(mspId);
    if (definition === undefined) throw new MspError(`MSP ${mspId} is not defined on channel`);

    const certPem = Buffer.from(idBytes).toString('utf8');
    if (!/-----BEGIN [A-Z ]*CERTIFICATE-----/.test(certPem)) {
      throw new MspError('could not decode the PEM structure');
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(idBytes);
    } catch (error) {
      throw new MspError(`failed to parse x509 cert: ${(error as Error).message}`);
    }
    if (certificate.ca) {
      throw new MspError(
        'could not obtain certification chain: An X509 certificate with Basic Constraint: Certificate Authority equals true cannot be used as an identity',
      );
    }
    const publicKey = publicKeyOf(certificate);
    if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new MspError('could not obtain certification chain: only ECDSA P-256 identities are supported');
    }
    const issuedByRoot = definition.roots.some(
      (root) => certificate.checkIssued(root) && certificate.verify(root.publicKey),
    );
    if (!issuedByRoot) {
      throw new MspError(
        'could not obtain certification chain: the supplied identity is not valid: x509: certificate signed by unknown authority',
      );
    }
    this.#checkValidity(certificate);
    const ous = organizationalUnits(certificate);
    const role = nodeRoleOf(certificate);
    if (role === undefined) {
      throw new MspError(
        `could not validate identity's OUs: the identity must be a client, a peer, an orderer or an admin identity to be valid, ` +
          `not a combination of them. OUs: [${ous.join(', ')}], MSP: [${mspId}]`,
      );
    }
    return Object.freeze({ mspId, certPem, certificate, role, serialized: new Uint8Array(serialized) });
  }

  #checkValidity(certificate: X509Certificate): void {
    const now = this.#now();
    const notBefore = Date.parse(certificate.validFrom);
    const notAfter = Date.parse(certificate.validTo);
    if (now < notBefore || now > notAfter) {
      throw new MspError(
        `the supplied identity is not valid: x509: certificate has expired or is not yet valid: current time ${new Date(now).toISOString()} ` +
          `is outside ${new Date(notBefore).toISOString()} – ${new Date(notAfter).toISOString()}`,
      );
    }
  }
}

/** Options for an MSP manager; `now` exists for tests of validity periods. */
export interface MspManagerOptions {
  readonly now?: () => number;
}

/** An MSP manager over explicit MSP definitions (e.g. read from a config block). */
export function createMspManagerFromDefinitions(
  applications: readonly MspDefinition[],
  orderer: MspDefinition,
  options: MspManagerOptions = {},
): DevnetMspManager {
  return new MspManagerImpl(applications, orderer, options.now ?? Date.now);
}

/** The MSP manager of the devnet's channel: every organisation's MSP plus OrdererMSP. */
export function createMspManager(
  material: NetworkMaterial,
  options: MspManagerOptions = {},
): DevnetMspManager {
  return createMspManagerFromDefinitions(
    material.orgs.map((org) => ({ mspId: org.mspId, rootCertPems: [org.caCertPem] })),
    { mspId: ORDERER_MSP_ID, rootCertPems: [material.ordererCaCertPem] },
    options,
  );
}

/**
 * Verifies a signature as Fabric's `identity.Verify` does, with its messages: malformed or high-S
 * signatures and mismatches all throw.
 * @throws MspError
 */
export function checkSignature(identity: Identity, message: Uint8Array, signature: Uint8Array): void {
  let valid: boolean;
  try {
    valid = verifyMessage(publicKeyOf(identity.certificate), message, signature);
  } catch (error) {
    throw new MspError(`could not determine if signature is valid: ${(error as Error).message}`);
  }
  if (!valid) throw new MspError('The signature is invalid');
}
