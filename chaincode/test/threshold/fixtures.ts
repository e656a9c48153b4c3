import { createECDH, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../src/protocol/canonical';
import type { Role } from '../../src/protocol/roles';
import { TrustDomainContract } from '../../src/contracts/threshold';
import type { CommitmentCurve, ModuleKeyType } from '../../src/protocol/threshold';
import { ChaincodeHarness, type TxResult } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface ModuleKeys {
  readonly keyType: ModuleKeyType;
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
}

export function moduleKeys(keyType: ModuleKeyType): ModuleKeys {
  const pair =
    keyType === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return {
    keyType,
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey,
  };
}

export interface Statement {
  readonly nonce: string;
  readonly firmwareDigest: string;
  readonly issuedAt: number;
}

/** Signs the canonical JSON of the statement exactly as a module server does. */
export function signStatement(keys: ModuleKeys, statement: Statement): string {
  const data = Buffer.from(canonicalJson(statement), 'utf8');
  const signature =
    keys.keyType === 'ed25519'
      ? sign(null, data, keys.privateKey)
      : sign('sha256', data, { key: keys.privateKey, dsaEncoding: 'der' });
  return signature.toString('base64');
}

export function hex(label: string, bytes = 32): string {
  let out = '';
  for (let i = 0; out.length < bytes * 2; i += 1) {
    out += createHash('sha256').update(`${label}:${i}`).digest('hex');
  }
  return out.slice(0, bytes * 2);
}

export const FIRMWARE = hex('firmware-1.4.2');

/** Real curve points (public keys of fresh key pairs) usable as Feldman commitments. */
export function curvePoints(curve: CommitmentCurve, count: number): string[] {
  return Array.from({ length: count }, () => {
    if (curve === 'ed25519') {
      const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string };
      return Buffer.from(jwk.x, 'base64url').toString('hex');
    }
    const ecdh = createECDH(curve === 'p256' ? 'prime256v1' : 'secp256k1');
    ecdh.generateKeys();
    return ecdh.getPublicKey('hex', 'compressed');
  });
}

export interface ModuleFixture {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly owner: TestIdentity;
  readonly keys: ModuleKeys;
}

export interface Cast {
  readonly admin: TestIdentity;
  readonly orchestrator: TestIdentity;
  readonly auditor: TestIdentity;
  readonly outsider: TestIdentity;
  /** Holds a role, but none this contract accepts for writes (a validator). */
  readonly validator: TestIdentity;
  readonly owners: TestIdentity[];
}

export async function createCast(ownerCount = 5): Promise<Cast> {
  const factory = new IdentityFactory();
  const owners: TestIdentity[] = [];
  for (let i = 1; i <= ownerCount; i += 1) {
    owners.push(await factory.create(`module-server-${i}`, i % 2 === 0 ? 'Org2MSP' : 'Org1MSP'));
  }
  return {
    admin: await factory.create('admin', 'Org1MSP'),
    orchestrator: await factory.create('orchestrator', 'Org2MSP'),
    auditor: await factory.create('auditor', 'Org3MSP'),
    outsider: await factory.create('outsider', 'Org3MSP'),
    validator: await factory.create('validator', 'Org1MSP'),
    owners,
  };
}

/** A fresh ledger with the cast seeded as governance would register them. */
export function newHarness(cast: Cast): ChaincodeHarness {
  const harness = new ChaincodeHarness([TrustDomainContract]);
  const entries: { identity: TestIdentity; roles: Role[] }[] = [
    { identity: cast.admin, roles: ['admin'] },
    { identity: cast.orchestrator, roles: ['orchestrator'] },
    { identity: cast.auditor, roles: ['auditor'] },
    { identity: cast.validator, roles: ['validator'] },
    ...cast.owners.map((identity) => ({ identity, roles: ['module'] as Role[] })),
  ];
  seedMembers(harness, entries);
  return harness;
}

export function moduleInput(fixture: ModuleFixture, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    moduleId: fixture.moduleId,
    publicKeyPem: fixture.keys.publicKeyPem,
    shareIndex: fixture.shareIndex,
    owner: { mspId: fixture.owner.mspId, fingerprint: fixture.owner.fingerprint },
    ...extra,
  });
}

export function fixture(
  cast: Cast,
  n: number,
  keyType: ModuleKeyType = n % 2 === 0 ? 'ed25519' : 'p256',
): ModuleFixture {
  const owner = cast.owners[n - 1];
  if (owner === undefined) {
    throw new Error(`no owner #${n}`);
  }
  return { moduleId: `hsm-${n}`, shareIndex: n, owner, keys: moduleKeys(keyType) };
}

export async function register(
  harness: ChaincodeHarness,
  cast: Cast,
  module: ModuleFixture,
): Promise<TxResult> {
  return harness.submit(cast.admin, 'TrustDomain:RegisterModule', moduleInput(module));
}

let nonceCounter = 0;

/** A valid signed attestation for the next transaction (issued at the harness clock). */
export function attestationInput(
  harness: ChaincodeHarness,
  module: ModuleFixture,
  overrides: Partial<Statement> = {},
): { json: string; statement: Statement } {
  nonceCounter += 1;
  const statement: Statement = {
    nonce: `nonce-${nonceCounter.toString().padStart(6, '0')}`,
    firmwareDigest: FIRMWARE,
    issuedAt: harness.now,
    ...overrides,
  };
  const json = JSON.stringify({
    moduleId: module.moduleId,
    statement,
    signature: signStatement(module.keys, statement),
  });
  return { json, statement };
}

export async function attest(harness: ChaincodeHarness, module: ModuleFixture): Promise<TxResult> {
  return harness.submit(
    module.owner,
    'TrustDomain:SubmitAttestation',
    attestationInput(harness, module).json,
  );
}

export interface KeySetup {
  readonly keyId: string;
  readonly t: number;
  readonly n: number;
  readonly minTrust: number;
  readonly curve?: CommitmentCurve;
  readonly shareIndices?: number[];
}

/** Threshold policy + epoch-1 commitments for a key. */
export async function setUpKey(harness: ChaincodeHarness, cast: Cast, key: KeySetup): Promise<void> {
  await harness.submit(
    cast.admin,
    'TrustDomain:SetThresholdPolicy',
    JSON.stringify({ keyId: key.keyId, t: key.t, n: key.n, minTrust: key.minTrust }),
  );
  const curve = key.curve ?? 'ed25519';
  await harness.submit(
    cast.admin,
    'TrustDomain:PublishCommitments',
    JSON.stringify({
      keyId: key.keyId,
      epoch: 1,
      curve,
      commitments: curvePoints(curve, key.t),
      shareIndices: key.shareIndices,
    }),
  );
}

export function score(harness: ChaincodeHarness, who: TestIdentity, moduleId: string): Promise<number> {
  return harness
    .evaluate<{ score: number }>(who, 'TrustDomain:GetTrustScore', moduleId)
    .then((tx) => tx.value.score);
}
