import 'reflect-metadata';
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { RotationContract } from '../../src/contracts/rotation';
import type { QuorumRule } from '../../src/protocol';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

export const QUEUE = 'orders';
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** The default minRotationIntervalMs of a policy that does not set one. */
export const HOLD_MS = MINUTE;

/** A test identity that also holds its private key, so it can sign proposal digests. */
export interface SigningIdentity extends TestIdentity {
  readonly privateKey: KeyObject;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * The shared IdentityFactory keeps private keys to itself; approvals with signatures need them, so this
 * issues a self-signed-CA certificate the same way and returns the key too.
 */
export async function createSigningIdentity(name: string, mspId = 'Org1MSP'): Promise<SigningIdentity> {
  const caKeys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caName = `CN=ca.signing.${mspId.toLowerCase()}, O=${mspId}`;
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '7001',
    subject: `CN=${name}, OU=client, O=${mspId}`,
    issuer: caName,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm,
  });
  const certPem = certificate.toString('pem');
  const fingerprint = createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex');
  return { name, mspId, certPem, fingerprint, privateKey: KeyObject.from(keys.privateKey) };
}

/** ECDSA-SHA256 over the digest payload; `p1363` gives raw r‖s as a PKCS#11 token would. */
export function signPayload(identity: SigningIdentity, payload: Uint8Array, p1363 = false): string {
  return sign('sha256', payload, {
    key: identity.privateKey,
    dsaEncoding: p1363 ? 'ieee-p1363' : 'der',
  }).toString('base64');
}

/** 40 opaque bytes — the size of an AES-256 key under RFC 3394 key wrap. */
export function wrapped(seed: number): string {
  return Buffer.alloc(40, seed).toString('base64');
}

export function wrappedKeysFor(frontends: readonly TestIdentity[]): Record<string, string>[] {
  return frontends.map((frontend, index) => ({
    mspId: frontend.mspId,
    fingerprint: frontend.fingerprint,
    wrappedKey: wrapped(index + 1),
  }));
}

export interface Cast {
  readonly val1: TestIdentity;
  readonly val2: TestIdentity;
  readonly val3: TestIdentity;
  readonly val4: TestIdentity;
  readonly fe1: TestIdentity;
  readonly fe2: TestIdentity;
  readonly frontends: TestIdentity[];
  readonly admin: TestIdentity;
  readonly auditor: TestIdentity;
  readonly outsider: TestIdentity;
}

let castPromise: Promise<Cast> | undefined;

/** One set of identities for a test file (certificate generation is the slow part). */
export function cast(): Promise<Cast> {
  castPromise ??= (async (): Promise<Cast> => {
    const factory = new IdentityFactory();
    const fe1 = await factory.create('fe1', 'Org1MSP');
    const fe2 = await factory.create('fe2', 'Org2MSP');
    return {
      val1: await factory.create('val1', 'Org1MSP'),
      val2: await factory.create('val2', 'Org2MSP'),
      val3: await factory.create('val3', 'Org3MSP'),
      val4: await factory.create('val4', 'Org1MSP'),
      fe1,
      fe2,
      frontends: [fe1, fe2],
      admin: await factory.create('admin', 'Org1MSP'),
      auditor: await factory.create('auditor', 'Org3MSP'),
      outsider: await factory.create('outsider', 'Org3MSP'),
    };
  })();
  return castPromise;
}

export interface World extends Cast {
  readonly harness: ChaincodeHarness;
  /** The seeded validators: the first `validatorCount` of val1…val4 (the others hold no role). */
  readonly validators: TestIdentity[];
}

/**
 * A harness with `validatorCount` validators (3 → quorum 2, 4 → quorum 3, 1 → 1 under the BFT rule), both
 * front-ends, an admin and an auditor, and the queue `orders` with a policy of 1 day / 1000 messages.
 */
export async function world(validatorCount = 3, rule?: QuorumRule, withQueue = true): Promise<World> {
  const people = await cast();
  const harness = new ChaincodeHarness([RotationContract]);
  const validators = [people.val1, people.val2, people.val3, people.val4].slice(0, validatorCount);
  seedMembers(
    harness,
    [
      ...validators.map((identity) => ({ identity, roles: ['validator' as const] })),
      ...people.frontends.map((identity) => ({ identity, roles: ['frontend' as const] })),
      { identity: people.admin, roles: ['admin'] },
      { identity: people.auditor, roles: ['auditor'] },
    ],
    rule,
  );
  if (withQueue) {
    await harness.submit(people.admin, 'KeyRotation:SetKeyPolicy', policyJson());
  }
  return { ...people, validators, harness };
}

export function policyJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    queueId: QUEUE,
    rotationIntervalMs: 24 * HOUR,
    maxMessages: 1000,
    algorithm: 'AES-256-GCM',
    ...overrides,
  });
}

export function proposal(
  frontends: readonly TestIdentity[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    queueId: QUEUE,
    version: 1,
    keyId: 'orders-k1',
    keyCheckValue: 'a1b2c3',
    wrappedKeys: wrappedKeysFor(frontends),
    notBefore: Date.UTC(2026, 0, 1),
    reason: 'schedule',
    ...overrides,
  };
}

export function proposalJson(
  frontends: readonly TestIdentity[],
  overrides: Record<string, unknown> = {},
): string {
  return JSON.stringify(proposal(frontends, overrides));
}

/** The key of the first ledger entry whose key contains every fragment (test-only state surgery). */
export function findKey(harness: ChaincodeHarness, ...fragments: string[]): string {
  const key = harness.ledger
    .keys()
    .find((candidate) => fragments.every((fragment) => candidate.includes(fragment)));
  if (key === undefined) {
    throw new Error(`no key with ${fragments.join(', ')}`);
  }
  return key;
}

export function ref(identity: { readonly mspId: string; readonly fingerprint: string }): string {
  return `${identity.mspId}/${identity.fingerprint}`;
}

/**
 * Proposes and approves `version` in a world with 3 validators (quorum 2); returns the proposal id. Versions
 * after the first wait out the default rotation hold first (the clock moves on by HOLD_MS).
 */
export async function commitVersion(
  w: World,
  version: number,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  if (version > 1) {
    w.harness.advance(HOLD_MS);
  }
  const proposed = await w.harness.submit(
    w.val1,
    'KeyRotation:ProposeRotation',
    proposalJson(w.frontends, {
      version,
      keyId: `orders-k${version}`,
      keyCheckValue: version.toString(16).padStart(6, '0'),
      ...overrides,
    }),
  );
  const approved = await w.harness.submit(w.val2, 'KeyRotation:ApproveRotation', proposed.txId, '');
  if (approved.event?.name !== 'RotationCommitted') {
    throw new Error(`version ${version} did not commit`);
  }
  return proposed.txId;
}
