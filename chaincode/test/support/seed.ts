import { ChaincodeStub as RealChaincodeStub } from 'fabric-shim';
import { canonicalBytes } from '../../src/protocol/canonical';
import { ObjectType } from '../../src/lib/keys';
import type { GovernanceConfig, Member } from '../../src/protocol/governance';
import type { QuorumRule } from '../../src/protocol/quorum';
import type { Role } from '../../src/protocol/roles';
import type { ChaincodeHarness } from './harness';
import type { TestIdentity } from './identities';

function key(type: string, ...attributes: string[]): string {
  return RealChaincodeStub.prototype.createCompositeKey.call(undefined, type, attributes);
}

/**
 * Puts members straight into committed state, in the exact layout governance writes (member record + role
 * index + governance config), so a capability's tests do not depend on the governance contract.
 */
export function seedMembers(
  harness: ChaincodeHarness,
  entries: readonly { identity: TestIdentity; roles: Role[]; publicKey?: string }[],
  quorumRule: QuorumRule = { kind: 'bft' },
): void {
  const writes = new Map<string, Buffer>();
  const now = harness.now;
  const config: GovernanceConfig = { quorumRule, bootstrappedAt: now, bootstrappedBy: 'seed' };
  writes.set(key(ObjectType.governanceConfig, 'config'), Buffer.from(canonicalBytes(config)));
  for (const { identity, roles, publicKey } of entries) {
    const member: Member = {
      mspId: identity.mspId,
      fingerprint: identity.fingerprint,
      name: identity.name,
      roles,
      status: 'active',
      publicKey,
      registeredAt: now,
      registeredBy: 'seed',
      updatedAt: now,
    };
    writes.set(
      key(ObjectType.member, identity.mspId, identity.fingerprint),
      Buffer.from(canonicalBytes(member)),
    );
    for (const role of roles) {
      writes.set(
        key(ObjectType.memberRole, role, identity.mspId, identity.fingerprint),
        Buffer.from(canonicalBytes({ since: now })),
      );
    }
  }
  harness.ledger.commit(`seed-${harness.ledger.height + 1}`, now, writes);
}
