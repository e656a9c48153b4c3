import { LedgerError } from '../../fabric';
import type { ThresholdLedger } from '../ledger';
import type { ModulePeerClient, PeerDirectory } from './context';
import { openModuleClient, type ModuleClientIdentity } from './moduleClient';

/**
 * The other modules of the trust domain: each looked up on the ledger (GetModule), its registered TLS certificate
 * pinned, called with this module's member certificate. One client per module, kept until the module re-registers
 * with another endpoint or certificate, closed on stop.
 */
export class LedgerPeerDirectory implements PeerDirectory {
  readonly #ledger: ThresholdLedger;
  readonly #identity: ModuleClientIdentity | undefined;
  readonly #clients = new Map<string, { key: string; client: ModulePeerClient }>();

  /** `identity` is undefined when the Fabric key is not a file (an HSM-held member key cannot do TLS). */
  constructor(ledger: ThresholdLedger, identity: ModuleClientIdentity | undefined) {
    this.#ledger = ledger;
    this.#identity = identity;
  }

  async client(moduleId: string): Promise<ModulePeerClient> {
    if (!this.#identity) {
      throw new LedgerError({
        kind: 'FORBIDDEN',
        message: 'this module has no member key file to present as a TLS client certificate',
      });
    }
    const module = await this.#ledger.getModule(moduleId);
    if (!module) {
      throw new LedgerError({ kind: 'NOT_FOUND', message: `module ${moduleId} is not registered` });
    }
    const key = `${module.endpoint ?? ''}\u0000${module.tlsCertificatePem ?? ''}`;
    const cached = this.#clients.get(moduleId);
    if (cached?.key === key) {
      return cached.client;
    }
    await cached?.client.close();
    const client = openModuleClient({ module, identity: this.#identity });
    this.#clients.set(moduleId, { key, client });
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(({ client }) => client.close()));
  }
}
