import type { Logger } from 'pino';
import type { Role } from '@keyledger/chaincode/protocol';
import type { GovernanceLedger } from '../governance';
import { errorText } from '../logging';

/**
 * Publishes a participant's key-wrapping public key on the ledger (Governance:SetPublicKey) once it is a
 * registered member, so others can wrap keys for it (validators for a front-end, a provider for its replicas).
 * Tried on start and on every poll until it worked.
 */
export class WrappingKeyPublisher {
  readonly #governance: GovernanceLedger;
  readonly #publicKeyPem: string;
  readonly #logger: Logger;
  /** The role others look for before wrapping a key to this member. */
  readonly #role: Role;
  #published = false;
  #unregisteredWarned = false;

  constructor(governance: GovernanceLedger, publicKeyPem: string, logger: Logger, role: Role) {
    this.#governance = governance;
    this.#role = role;
    this.#publicKeyPem = publicKeyPem;
    this.#logger = logger;
  }

  /** Whether the ledger holds the key (this run published it, or found it there). */
  get published(): boolean {
    return this.#published;
  }

  /** Publishes unless the ledger has the key already; failures are logged and retried on the next call. */
  async publish(): Promise<void> {
    if (this.#published) {
      return;
    }
    try {
      const whoami = await this.#governance.whoAmI();
      if (whoami.member?.status !== 'active') {
        if (!this.#unregisteredWarned) {
          this.#unregisteredWarned = true;
          this.#logger.warn(
            'not registered on the ledger yet; will publish the key-wrapping key once registered',
          );
        }
        return;
      }
      if (!whoami.roles.includes(this.#role)) {
        this.#logger.warn(
          { roles: whoami.roles, expected: this.#role },
          `registered without the ${this.#role} role; no key will be wrapped for it`,
        );
      }
      if (whoami.member.publicKey?.trim() !== this.#publicKeyPem.trim()) {
        await this.#governance.setPublicKey(this.#publicKeyPem);
        this.#logger.info('published the key-wrapping public key');
      }
      this.#published = true;
    } catch (error) {
      this.#logger.warn({ error: errorText(error) }, 'publishing the key-wrapping key failed; will retry');
    }
  }
}
