import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import { GovernanceLedger } from '../../governance';
import {
  closeParticipant,
  loadOrCreateTlsIdentity,
  loadWrappingKey,
  openParticipant,
  WrappingKeyPublisher,
  type Participant,
  type ParticipantOptions,
} from '../../participant';
import { ProvidersLedger } from '../ledger';
import { CmkStore } from './cmkStore';
import { KeyOperations } from './keyOperations';
import { OrchestratorGate } from './orchestratorGate';
import { providerApp } from './providerApp';
import { providerMetrics } from './providerMetrics';
import { ProviderService } from './providerService';
import { ProfileRegistrar } from './profileRegistrar';

/** The label of a provider's key-wrapping key pair (replicas are wrapped to its public half). */
export const PROVIDER_WRAPPING_LABEL = 'keyledger-provider-wrapping';
/** The algorithms a provider announces in its profile. */
export const PROVIDER_ALGORITHMS = ['AES-256-GCM'] as const;

export interface ProviderServerOptions extends ParticipantOptions {
  /** The provider id on the ledger (default: the participant's name). */
  readonly providerId?: string;
  readonly region: string;
  /** Where the TLS key and certificate and the pid file live. */
  readonly dataDir: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly allowFaultInjection?: boolean;
}

/**
 * A key provider: an HTTPS server with mutual TLS over one SoftHSM token that holds customer master keys. On
 * start it loads (or makes) its key-wrapping key and TLS certificate, publishes the wrapping key as its
 * governance member, listens, and registers its profile — endpoint, the TLS certificate the orchestrator pins,
 * region and the keys it holds — so orchestrators find it on the ledger.
 */
export class ProviderServer {
  readonly providerId: string;
  readonly url: string;
  readonly logger: Logger;
  readonly #participant: Participant;
  readonly #server: Server;
  readonly #pidFile: string;

  private constructor(
    providerId: string,
    url: string,
    participant: Participant,
    server: Server,
    pidFile: string,
  ) {
    this.providerId = providerId;
    this.url = url;
    this.logger = participant.logger;
    this.#participant = participant;
    this.#server = server;
    this.#pidFile = pidFile;
  }

  static async start(options: ProviderServerOptions): Promise<ProviderServer> {
    const providerId = options.providerId ?? options.name;
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const participant = openParticipant(options, 'key-provider');
    let server: Server | undefined;
    try {
      const { token, connection, logger } = participant;
      const governance = new GovernanceLedger(connection);
      const providers = new ProvidersLedger(connection);
      const wrapping = loadWrappingKey(token, PROVIDER_WRAPPING_LABEL, logger);
      const publisher = new WrappingKeyPublisher(governance, wrapping.publicKeyPem, logger, 'provider');
      await publisher.publish();
      if (!publisher.published) {
        throw new LedgerError({
          kind: 'FORBIDDEN',
          message: `${options.name} (${participant.identity.mspId}) could not publish its key-wrapping key: is it a registered member with role provider?`,
        });
      }
      const host = options.host ?? '127.0.0.1';
      const tls = await loadOrCreateTlsIdentity(options.dataDir, providerId, [host, 'localhost']);
      const store = new CmkStore(token);
      // Listen first: the endpoint (port 0 picks one) goes into the profile; nobody calls before it is there.
      const listening = createServer({
        key: tls.keyPem,
        cert: tls.certPem,
        requestCert: true,
        // Client certificates are not chained to a CA here: the ledger's member list pins them by fingerprint.
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      });
      server = listening;
      listening.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port ?? 0, host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      const url = `https://${host}:${(listening.address() as AddressInfo).port}`;
      const registrar = new ProfileRegistrar(
        providers,
        {
          providerId,
          endpoint: url,
          certificatePem: tls.certPem,
          region: options.region,
          algorithms: [...PROVIDER_ALGORITHMS],
        },
        logger,
      );
      const service = new ProviderService({
        providerId,
        region: options.region,
        operations: new KeyOperations(providerId, store, token),
        unwrapping: wrapping,
        providers,
        governance,
        registrar,
      });
      const gate = new OrchestratorGate(governance);
      listening.on(
        'request',
        providerApp({
          service,
          metrics: providerMetrics(providerId),
          allowsClient: (fingerprint) => gate.allows(fingerprint),
          allowFaultInjection: options.allowFaultInjection ?? false,
          logger,
        }),
      );
      const registration = await registrar.ensureRegistered(store.list().map((key) => key.keyId));
      const pidFile = join(options.dataDir, 'provider.pid');
      writeFileSync(pidFile, `${process.pid}\n`);
      logger.info({ url, registration, keys: store.list().length }, 'key provider ready');
      return new ProviderServer(providerId, url, participant, listening, pidFile);
    } catch (error) {
      server?.close();
      closeParticipant(participant);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    rmSync(this.#pidFile, { force: true });
    closeParticipant(this.#participant);
  }
}
