import { Context } from 'fabric-contract-api';
import { txTimeMillis } from './clock';
import { callerOf, type Caller } from './identity';
import type { Member } from '../protocol/governance';
import { readMember } from './members';
import { isRole, LEDGER_ONLY_ROLES, ROLE_ATTRIBUTE, type Role } from '../protocol/roles';

/**
 * Per-transaction context: caches who the caller is and which roles they hold, so a function that checks
 * roles several times reads the member record once.
 */
export class KeyLedgerContext extends Context {
  #caller?: Caller;
  #member?: Promise<Member | undefined>;
  #roles?: Promise<ReadonlySet<Role>>;
  #eventName?: string;

  get caller(): Caller {
    this.#caller ??= callerOf(this);
    return this.#caller;
  }

  /** Transaction time in epoch milliseconds. */
  get now(): number {
    return txTimeMillis(this);
  }

  get txId(): string {
    return this.stub.getTxID();
  }

  /** The caller's ledger registration, whatever its status. */
  member(): Promise<Member | undefined> {
    this.#member ??= readMember(this, this.caller.mspId, this.caller.fingerprint);
    return this.#member;
  }

  /** Roles from an active ledger registration plus non-governance roles from the certificate attribute. */
  roles(): Promise<ReadonlySet<Role>> {
    this.#roles ??= this.#resolveRoles();
    return this.#roles;
  }

  async #resolveRoles(): Promise<ReadonlySet<Role>> {
    const roles = new Set<Role>();
    const member = await this.member();
    if (member?.status === 'active') {
      member.roles.forEach((role) => roles.add(role));
    }
    if (member?.status !== 'revoked') {
      const attribute = this.clientIdentity.getAttributeValue(ROLE_ATTRIBUTE);
      for (const name of (attribute ?? '').split(',').map((part) => part.trim())) {
        if (isRole(name) && !LEDGER_ONLY_ROLES.includes(name)) {
          roles.add(name);
        }
      }
    }
    return roles;
  }

  /** Fabric keeps only the last `setEvent` of a transaction; refuse a second one instead of losing it. */
  claimEvent(name: string): void {
    if (this.#eventName !== undefined) {
      throw new Error(
        `a transaction emits one event; ${this.#eventName} already emitted, cannot emit ${name}`,
      );
    }
    this.#eventName = name;
  }
}
