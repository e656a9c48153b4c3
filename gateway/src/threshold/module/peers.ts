import { LedgerError } from '../../fabric';
import { ModuleCallError } from '../errors';
import type { ThresholdLedger } from '../ledger';
import type { ModulePeerClient, PeerDirectory } from './context';
import { openModuleClient, type ModuleClientIdentity } from './moduleClient';

/** The plain client behind each following client. */
const RAW = new WeakMap<ModulePeerClient, ModulePeerClient>();

export interface PeerDirectoryOptions {
  /** How long a module's ledger record is trusted before it is read again (default 10 s). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/**
 * The other modules of the trust domain: each looked up on the ledger (GetModule), its registered TLS certificate
 * pinned, called with this module's member certificate. One client per module; the record is read again after
 * the TTL and the client replaced when the module re-registered with another endpoint or certificate. All are
 * closed on stop.
 */
export class LedgerPeerDirectory implements PeerDirectory {
  readonly #ledger: ThresholdLedger;
  readonly #identity: ModuleClientIdentity | undefined;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #clients = new Map<string, { key: string; readAt: number; client: ModulePeerClient }>();

  /** `identity` is undefined when the Fabric key is not a file (an HSM-held member key cannot do TLS). */
  constructor(
    ledger: ThresholdLedger,
    identity: ModuleClientIdentity | undefined,
    options: PeerDirectoryOptions = {},
  ) {
    this.#ledger = ledger;
    this.#identity = identity;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * The module's client, the same one while its record stays. A call that cannot connect drops the cached record
   * (the module may have restarted on another port) and is tried once more against what the ledger says now.
   */
  client(moduleId: string): Promise<ModulePeerClient> {
    return this.#client(moduleId);
  }

  async #client(moduleId: string): Promise<ModulePeerClient> {
    if (!this.#identity) {
      throw new LedgerError({
        kind: 'FORBIDDEN',
        message: 'this module has no member key file to present as a TLS client certificate',
      });
    }
    const cached = this.#clients.get(moduleId);
    if (cached && this.#clock() - cached.readAt <= this.#ttlMs) {
      return cached.client;
    }
    const module = await this.#ledger.getModule(moduleId);
    if (!module) {
      throw new LedgerError({ kind: 'NOT_FOUND', message: `module ${moduleId} is not registered` });
    }
    const key = `${module.endpoint ?? ''}\u0000${module.tlsCertificatePem ?? ''}`;
    if (cached?.key === key) {
      this.#clients.set(moduleId, { ...cached, readAt: this.#clock() });
      return cached.client;
    }
    await cached?.client.close();
    const client = this.#following(moduleId, openModuleClient({ module, identity: this.#identity }));
    this.#clients.set(moduleId, { key, readAt: this.#clock(), client });
    return client;
  }

  #following(moduleId: string, raw: ModulePeerClient): ModulePeerClient {
    const call = async <T>(...args: Parameters<ModulePeerClient['call']>): Promise<T> => {
      try {
        return await raw.call<T>(...args);
      } catch (error) {
        if (!(error instanceof ModuleCallError) || error.kind !== 'connection') {
          throw error;
        }
        this.forget(moduleId);
        const fresh = await this.#client(moduleId);
        // Once more, through the fresh record's own connection and without a further retry.
        return (RAW.get(fresh) ?? fresh).call<T>(...args);
      }
    };
    const wrapper: ModulePeerClient = { moduleId: raw.moduleId, call, close: () => raw.close() };
    RAW.set(wrapper, raw);
    return wrapper;
  }

  /** Drops what is known of a module, so the next call re-reads its record (it may have moved, or restarted). */
  forget(moduleId: string): void {
    const cached = this.#clients.get(moduleId);
    this.#clients.delete(moduleId);
    void cached?.client.close();
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(({ client }) => client.close()));
  }
}
