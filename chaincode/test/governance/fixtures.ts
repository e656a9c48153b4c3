import { generateKeyPairSync } from 'node:crypto';
import type { Role } from '../../src/protocol';
import { GovernanceContract } from '../../src/contracts/governance';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';

export const DAY = 24 * 60 * 60 * 1000;

export function newHarness(): ChaincodeHarness {
  return new ChaincodeHarness([GovernanceContract]);
}

export const identities = new IdentityFactory();
export const subjects = new IdentityFactory();

/** The id fields of a test identity, as JSON arguments carry them. */
export function idOf(identity: TestIdentity): { mspId: string; fingerprint: string } {
  return { mspId: identity.mspId, fingerprint: identity.fingerprint };
}

export function registration(
  identity: TestIdentity,
  roles: Role[],
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ ...idOf(identity), name: identity.name, roles, ...extra });
}

export function addValidator(proposalId: string, identity: TestIdentity, publicKey?: string): string {
  return JSON.stringify({
    proposalId,
    change: { type: 'addValidator', member: { ...idOf(identity), name: identity.name, publicKey } },
    reason: `seat ${identity.name}`,
  });
}

export function removeValidator(proposalId: string, identity: TestIdentity): string {
  return JSON.stringify({
    proposalId,
    change: { type: 'removeValidator', ...idOf(identity) },
    reason: `unseat ${identity.name}`,
  });
}

export function setRule(proposalId: string, rule: unknown): string {
  return JSON.stringify({ proposalId, change: { type: 'setQuorumRule', rule }, reason: 'new rule' });
}

export function ecPublicPem(): {
  publicPem: string;
  privatePem: string;
  publicJwk: Record<string, unknown>;
  privateJwk: Record<string, unknown>;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}
