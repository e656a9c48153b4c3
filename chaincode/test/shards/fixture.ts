import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ShardMapsContract } from '../../src/contracts/shards';
import type { ShardMap } from '../../src/protocol/shards';
import { ChaincodeHarness, type TxResult } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

export const C = 'ShardMaps';
export const DAY = 24 * 3_600_000;
export const DEVICE = 'device-42';

/** Everyone the ShardMaps tests act as; providerA/A2 are Org1 (the publishing org), providerB is Org2. */
export interface Cast {
  readonly admin: TestIdentity;
  readonly providerA: TestIdentity;
  readonly providerA2: TestIdentity;
  readonly providerB: TestIdentity;
  readonly device: TestIdentity;
  readonly otherDevice: TestIdentity;
  readonly auditor: TestIdentity;
  readonly signer: TestIdentity;
  readonly stranger: TestIdentity;
}

export async function createCast(): Promise<Cast> {
  const factory = new IdentityFactory();
  return {
    admin: await factory.create('admin', 'Org3MSP'),
    providerA: await factory.create('provider-a', 'Org1MSP'),
    providerA2: await factory.create('provider-a2', 'Org1MSP'),
    providerB: await factory.create('provider-b', 'Org2MSP'),
    device: await factory.create('device-42', 'Org1MSP'),
    otherDevice: await factory.create('device-7', 'Org1MSP'),
    auditor: await factory.create('auditor', 'Org2MSP'),
    signer: await factory.create('signer', 'Org1MSP'),
    stranger: await factory.create('stranger', 'Org1MSP'),
  };
}

export function newHarness(cast: Cast): ChaincodeHarness {
  const harness = new ChaincodeHarness([ShardMapsContract]);
  seedMembers(harness, [
    { identity: cast.admin, roles: ['admin'] },
    { identity: cast.providerA, roles: ['provider'] },
    { identity: cast.providerA2, roles: ['provider'] },
    { identity: cast.providerB, roles: ['provider'] },
    { identity: cast.device, roles: ['device'] },
    { identity: cast.otherDevice, roles: ['device'] },
    { identity: cast.auditor, roles: ['auditor'] },
    { identity: cast.signer, roles: ['signer'] },
  ]);
  return harness;
}

export function owner(identity: TestIdentity): { mspId: string; fingerprint: string } {
  return { mspId: identity.mspId, fingerprint: identity.fingerprint };
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Raw public keys as PublishEpoch takes them: 32 bytes for Ed25519, 04‖X‖Y for P-256. */
export function ed25519PublicKey(): string {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return jwk.x as string;
}

export function p256Point(): Buffer {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
}

export function enrollment(): Record<string, string> {
  return {
    devicePublicKey: p256Point().toString('base64url'),
    ephemeralPublicKey: p256Point().toString('base64url'),
    wrappedKey: randomBytes(40).toString('base64url'),
    keyCheckValue: 'a1b2c3',
  };
}

export interface EpochShard {
  readonly shardId: string;
  readonly index: number;
  readonly bytes: Buffer;
}

export function epochShards(n: number, epoch: number): EpochShard[] {
  return Array.from({ length: n }, (_, index) => ({
    shardId: `e${epoch}-s${index}`,
    index,
    bytes: randomBytes(60 + index),
  }));
}

/** A PublishEpoch body; `shards` are given as {shardId, index, bytes} and sent as standard base64. */
export function epochBody(
  harness: ChaincodeHarness,
  cast: Cast,
  epoch: number,
  shards: readonly EpochShard[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    deviceId: DEVICE,
    epoch,
    n: shards.length,
    validFrom: harness.now,
    validUntil: harness.now + 30 * DAY,
    algorithm: 'Ed25519',
    publicKey: ed25519PublicKey(),
    shards: shards.map(({ shardId, index, bytes }) => ({
      shardId,
      index,
      ciphertext: bytes.toString('base64'),
    })),
    deviceOwner: owner(cast.device),
    ...overrides,
  };
}

export type Published = ShardMap & { replay: boolean };

export async function publishEpoch(
  harness: ChaincodeHarness,
  who: TestIdentity,
  body: Record<string, unknown>,
): Promise<TxResult<Published>> {
  return harness.submit<Published>(who, `${C}:PublishEpoch`, JSON.stringify(body));
}
