import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, eventPayload, FabricConnection, type FabricConfig } from '../fabric';
import { defaultLogger, errorText } from '../logging';
import { LedgerLoop, type FollowOptions } from '../participant';
import { LedgerKeyAccess } from './access';
import { ProviderClient, type ClientTlsIdentity } from './client/providerClient';
import { ProvidersLedger, type ScoredProvider } from './ledger';
import {
  KeyOrchestrator,
  LedgerCandidates,
  OutcomeReporter,
  type KeyOrchestratorOptions,
} from './orchestrator';
import { KeyReplicator } from './registry/replicate';
import type { ProviderTransport } from './transport';

export interface OrchestratorNodeOptions {
  /** Its id in outcome batch ids and logs. */
  readonly name: string;
  /** Its ledger identity: a member with role orchestrator. Its certificate and key are also its TLS client identity. */
  readonly fabric: FabricConfig;
  /** Where it runs: providers here are preferred for callers that name no region. */
  readonly region: string;
  /** Where the outcome journal lives (outcomes survive a crash until the ledger has them). */
  readonly dataDir: string;
  readonly logger?: Logger;
  readonly follow?: FollowOptions;
  readonly reporting?: { readonly flushIntervalMs?: number; readonly flushEvery?: number };
  readonly orchestrator?: Partial<
    Pick<KeyOrchestratorOptions, 'verifyDataKeys' | 'random' | 'defaultDeadlineMs' | 'breaker' | 'slowStart'>
  >;
}

/** One mTLS client per provider, replaced when its profile moves (endpoint or certificate). */
class ProviderClients {
  readonly #identity: ClientTlsIdentity;
  readonly #clients = new Map<string, { client: ProviderClient; key: string }>();

  constructor(identity: ClientTlsIdentity) {
    this.#identity = identity;
  }

  of(profile: ScoredProvider): ProviderTransport {
    const key = `${profile.endpoint}\u0000${profile.certificateFingerprint ?? ''}`;
    const known = this.#clients.get(profile.providerId);
    if (known?.key === key) {
      return known.client;
    }
    void known?.client.close();
    const client = new ProviderClient({ provider: profile, identity: this.#identity });
    this.#clients.set(profile.providerId, { client, key });
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map(({ client }) => client.close()));
    this.#clients.clear();
  }
}

/**
 * The key orchestrator as it runs in the gateway: its own ledger identity (role orchestrator) reads candidates
 * and records outcomes; the same certificate and key are its TLS client identity to providers; chaincode events
 * keep the candidate and key-access caches current, with a poll as the fallback.
 */
export class OrchestratorNode {
  readonly name: string;
  readonly orchestrator: KeyOrchestrator;
  readonly access: LedgerKeyAccess;
  readonly replicator: KeyReplicator;
  readonly reporter: OutcomeReporter;
  readonly #connection: FabricConnection;
  readonly #clients: ProviderClients;
  readonly #loop: LedgerLoop;
  readonly #logger: Logger;

  private constructor(options: OrchestratorNodeOptions) {
    if (!options.fabric.keyPath) {
      throw new ConfigError({
        message: `orchestrator ${options.name} needs its key as a file (keyPath): it is also its TLS client key`,
      });
    }
    this.name = options.name;
    this.#logger = (options.logger ?? defaultLogger(options.name)).child({ component: 'orchestrator' });
    const identity: ClientTlsIdentity = {
      certPem: readFileSync(options.fabric.certPath, 'utf8'),
      keyPem: readFileSync(options.fabric.keyPath, 'utf8'),
    };
    this.#connection = FabricConnection.open(options.fabric);
    const ledger = new ProvidersLedger(this.#connection);
    this.#clients = new ProviderClients(identity);
    const candidates = new LedgerCandidates({ ledger });
    this.reporter = new OutcomeReporter({
      orchestratorId: options.name,
      sink: async (batchId, outcomes) => {
        await ledger.recordOutcomes(batchId, outcomes);
      },
      journalPath: join(options.dataDir, `${options.name}.outcomes.json`),
      logger: this.#logger,
      ...options.reporting,
    });
    this.access = new LedgerKeyAccess();
    this.orchestrator = new KeyOrchestrator({
      orchestratorId: options.name,
      region: options.region,
      candidates,
      transportOf: (profile) => this.#clients.of(profile),
      reporter: this.reporter,
      ...options.orchestrator,
    });
    this.replicator = new KeyReplicator({
      reader: this.#connection,
      transportOf: (profile) => this.#clients.of(profile),
    });
    this.#loop = new LedgerLoop({
      participant: { connection: this.#connection, logger: this.#logger },
      follow: options.follow ?? {},
      pollIntervalMs: 30_000,
      onEvent: (event) => {
        const payload = eventPayload(event);
        candidates.onChaincodeEvent(event.eventName, payload);
        this.access.onChaincodeEvent(event.eventName, payload);
        return Promise.resolve();
      },
      poll: () => {
        candidates.invalidate();
        this.access.invalidate();
        return Promise.resolve();
      },
    });
  }

  static async start(options: OrchestratorNodeOptions): Promise<OrchestratorNode> {
    const node = new OrchestratorNode(options);
    try {
      node.reporter.recover();
      node.reporter.start();
      await node.#loop.start();
      node.#logger.info({ region: options.region }, 'key orchestrator started');
      return node;
    } catch (error) {
      await node.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.reporter
      .stop()
      .catch((error: unknown) =>
        this.#logger.warn({ error: errorText(error) }, 'outcomes left unreported; the journal keeps them'),
      );
    await this.#clients.close();
    this.#connection.close();
  }
}
