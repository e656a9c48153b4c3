import { generateKeyPairSync } from 'node:crypto';
import { SigningKeysContract } from '../../src/contracts/signing';
import type { Jwks, SigningKeyRecord } from '../../src/protocol/signing';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

export const C = 'SigningKeys';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export type Jwk = Record<string, unknown>;

export function ecJwk(): Jwk {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Jwk;
}

export interface Actors {
  readonly admin: TestIdentity;
  readonly signer: TestIdentity;
  readonly provider: TestIdentity;
  readonly auditor: TestIdentity;
  readonly stranger: TestIdentity;
}

export async function createActors(): Promise<Actors> {
  const factory = new IdentityFactory();
  return {
    admin: await factory.create('admin'),
    signer: await factory.create('signer', 'Org2MSP'),
    provider: await factory.create('provider'),
    auditor: await factory.create('auditor', 'Org3MSP'),
    stranger: await factory.create('stranger'),
  };
}

/** A harness over the SigningKeys contract with the actors' memberships seeded (stranger has none). */
export function signingHarness(actors: Actors): ChaincodeHarness {
  const harness = new ChaincodeHarness([SigningKeysContract]);
  seedMembers(harness, [
    { identity: actors.admin, roles: ['admin'] },
    { identity: actors.signer, roles: ['signer'] },
    { identity: actors.provider, roles: ['provider'] },
    { identity: actors.auditor, roles: ['auditor'] },
  ]);
  return harness;
}

/** Registration argument: an ES256 key under `kid`, notBefore = the harness's start time. */
export function keyArg(kid: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kid,
    publicJwk: ecJwk(),
    issuerCaIds: ['ca-org1'],
    notBefore: Date.UTC(2026, 0, 1),
    algorithm: 'ES256',
    ...overrides,
  });
}

/** Typed calls on one harness, as a signer unless told otherwise. */
export class SigningClient {
  constructor(
    readonly harness: ChaincodeHarness,
    readonly actors: Actors,
  ) {}

  async register(
    kid: string,
    overrides: Record<string, unknown> = {},
    who = this.actors.signer,
  ): Promise<SigningKeyRecord> {
    return (
      await this.harness.submit<SigningKeyRecord>(who, `${C}:RegisterSigningKey`, keyArg(kid, overrides))
    ).value;
  }

  async publish(kid: string, overrides: Record<string, unknown> = {}): Promise<SigningKeyRecord> {
    return this.register(kid, { activate: false, ...overrides });
  }

  async activate(kid: string, expectedActiveKid = ''): Promise<SigningKeyRecord> {
    return (
      await this.harness.submit<SigningKeyRecord>(
        this.actors.signer,
        `${C}:ActivateSigningKey`,
        kid,
        expectedActiveKid,
      )
    ).value;
  }

  async retire(kid: string, graceMs = ''): Promise<SigningKeyRecord> {
    return (
      await this.harness.submit<SigningKeyRecord>(this.actors.signer, `${C}:RetireSigningKey`, kid, graceMs)
    ).value;
  }

  async revoke(kid: string, reason: string, compromisedAt = ''): Promise<SigningKeyRecord> {
    return (
      await this.harness.submit<SigningKeyRecord>(
        this.actors.admin,
        `${C}:RevokeSigningKey`,
        kid,
        reason,
        compromisedAt,
      )
    ).value;
  }

  async get(kid: string): Promise<SigningKeyRecord> {
    return (await this.harness.evaluate<SigningKeyRecord>(this.actors.auditor, `${C}:GetSigningKey`, kid))
      .value;
  }

  async jwks(): Promise<Jwks> {
    return (await this.harness.evaluate<Jwks>(this.actors.provider, `${C}:GetJwks`)).value;
  }

  async jwksKids(): Promise<string[]> {
    return (await this.jwks()).keys.map((key) => key.kid);
  }

  async statusOf(status: string): Promise<string[]> {
    const page = await this.harness.evaluate<{ items: SigningKeyRecord[] }>(
      this.actors.auditor,
      `${C}:ListSigningKeys`,
      status,
      '',
      '',
    );
    return page.value.items.map((key) => key.kid);
  }
}
