import { readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import { GovernanceLedger } from '../../governance';
import { errorText } from '../../logging';
import {
  closeParticipant,
  loadOrCreateTlsIdentity,
  MemberGate,
  openParticipant,
  type Participant,
  type ParticipantOptions,
} from '../../participant';
import { ThresholdLedger } from '../ledger';
import { codeDigest, configDigest, type SoftwareMeasurement } from './attestation';
import { Attestor } from './attestor';
import type { Misbehaviour, ModuleContext } from './context';
import { FaultSwitch } from './faults';
import { loadModuleIdentity } from './identity';
import { moduleApp, type ModuleHealth } from './moduleApp';
import { LedgerPeerDirectory } from './peers';
import { ensureModuleRegistered } from './registration';
import { ShareStore } from './shareStore';
import { ModuleOwners } from './moduleOwners';
import { CustodyLedger } from '../custodyLedger';
import { ModuleProtocol } from '../protocol/moduleProtocol';

export interface ModuleServerOptions extends ParticipantOptions {
  /** The module id on the ledger (default: the participant's name). */
  readonly moduleId?: string;
  /** Its Shamir x-coordinate, 1..255, unique in the trust domain. */
  readonly shareIndex: number;
  /** Where the TLS key and certificate, attested.json and the pid file live. */
  readonly dataDir: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Accept POST /v1/faults and `misbehave` (tests and demonstrations only; default false). */
  readonly allowFaultInjection?: boolean;
  /** Misbehaviours from the start (needs allowFaultInjection). */
  readonly misbehave?: readonly Misbehaviour[];
  /** Between software attestations (default 10 min). */
  readonly attestationIntervalMs?: number;
  /** How long a module has to answer one signing round when this module coordinates (default 1 500 ms). */
  readonly roundTimeoutMs?: number;
}

/**
 * A security module: one process, one SoftHSM token, holding one share per key and epoch. On start it loads (or
 * makes) its identity key and share-sealing key in the token and its TLS identity in the data folder, listens
 * (HTTPS, mutual TLS 1.3, callers pinned by the ledger's members with role orchestrator or module), registers
 * itself with its endpoint, TLS certificate, identity key and share index, reports a token swap, attests its
 * software, and re-attests on a timer.
 */
export class ModuleServer {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly url: string;
  readonly context: ModuleContext;
  readonly logger: Logger;
  readonly #participant: Participant;
  readonly #server: Server;
  readonly #attestor: Attestor;
  readonly #peers: LedgerPeerDirectory;
  readonly #pidFile: string;

  private constructor(parts: {
    url: string;
    context: ModuleContext;
    participant: Participant;
    server: Server;
    attestor: Attestor;
    peers: LedgerPeerDirectory;
    pidFile: string;
  }) {
    this.moduleId = parts.context.moduleId;
    this.shareIndex = parts.context.shareIndex;
    this.url = parts.url;
    this.context = parts.context;
    this.logger = parts.context.logger;
    this.#participant = parts.participant;
    this.#server = parts.server;
    this.#attestor = parts.attestor;
    this.#peers = parts.peers;
    this.#pidFile = parts.pidFile;
  }

  get lastAttestedAt(): number | undefined {
    return this.#attestor.lastAttestedAt;
  }

  static async start(options: ModuleServerOptions): Promise<ModuleServer> {
    const moduleId = options.moduleId ?? options.name;
    const host = options.host ?? '127.0.0.1';
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const participant = openParticipant(options, 'security-module');
    let server: Server | undefined;
    let peers: LedgerPeerDirectory | undefined;
    let attestor: Attestor | undefined;
    try {
      const { token, connection, logger } = participant;
      const ledger = new ThresholdLedger(connection);
      const identity = loadModuleIdentity(token, logger);
      const shares = ShareStore.open(token, moduleId, logger);
      const faults = new FaultSwitch(options.allowFaultInjection ?? false, options.misbehave ?? []);
      const fabric = options.fabric;
      peers = new LedgerPeerDirectory(
        ledger,
        fabric.keyPath
          ? { certPem: readFileSync(fabric.certPath, 'utf8'), keyPem: readFileSync(fabric.keyPath, 'utf8') }
          : undefined,
      );
      const info = token.info();
      const measurement: SoftwareMeasurement = {
        codeDigest: codeDigest(),
        configDigest: configDigest({
          moduleId,
          shareIndex: options.shareIndex,
          host,
          port: options.port ?? 0,
          mspId: fabric.mspId,
          peerEndpoint: fabric.endpoint,
          tokenLabel: info.label,
        }),
        tokenSerial: info.serialNumber,
        tokenLabel: info.label,
      };
      const context: ModuleContext = {
        moduleId,
        shareIndex: options.shareIndex,
        ledger,
        shares,
        identity,
        peers,
        faults,
        logger,
      };
      const tls = await loadOrCreateTlsIdentity(
        options.dataDir,
        moduleId,
        [host, 'localhost'],
        'KeyLedger security module',
      );
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
      // Listen first: the endpoint (port 0 picks one) goes into the registration; nobody calls before it is there.
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port ?? 0, host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      const url = `https://${host}:${(listening.address() as AddressInfo).port}`;
      const made = new Attestor({
        moduleId,
        ledger,
        identity,
        measurement,
        dataDir: options.dataDir,
        logger,
        ...(options.attestationIntervalMs === undefined ? {} : { intervalMs: options.attestationIntervalMs }),
      });
      attestor = made;
      const owners = new ModuleOwners(ledger);
      const gate = new MemberGate(new GovernanceLedger(connection), ['orchestrator', 'module']);
      const health = (): ModuleHealth => {
        const keys = new Map<string, number[]>();
        for (const share of shares.list()) {
          keys.set(share.keyId, [...(keys.get(share.keyId) ?? []), share.epoch]);
        }
        return {
          moduleId,
          shareIndex: options.shareIndex,
          status: made.lastAttestedAt === undefined ? 'unattested' : 'ok',
          lastAttestedAt: made.lastAttestedAt ?? null,
          keys: [...keys].map(([keyId, epochs]) => ({ keyId, epochs })),
        };
      };
      listening.on(
        'request',
        moduleApp({
          health,
          allowsClient: (fingerprint) => gate.allows(fingerprint),
          faults,
          protocol: new ModuleProtocol(
            {
              moduleId,
              shareIndex: options.shareIndex,
              ledger: new CustodyLedger(connection),
              shares,
              identity,
              peers,
              faults,
              logger,
            },
            {
              ...(options.roundTimeoutMs === undefined ? {} : { roundTimeoutMs: options.roundTimeoutMs }),
              moduleOfFingerprint: (fingerprint) => owners.moduleOf(fingerprint),
            },
          ).router(),
          logger,
        }),
      );
      // A token swap is reported by the module's owner, so only once the ledger knows the module.
      const known = (await ledger.getModule(moduleId)) !== undefined;
      const tamper = known ? await made.checkTamper() : undefined;
      const registration = await ensureModuleRegistered(ledger, {
        moduleId,
        publicKeyPem: identity.publicKeyPem,
        shareIndex: options.shareIndex,
        endpoint: url,
        tlsCertificatePem: tls.certPem,
      }).catch((error: unknown) => {
        if (error instanceof LedgerError && (error.kind === 'FORBIDDEN' || error.kind === 'ACCESS_DENIED')) {
          throw new LedgerError({
            kind: error.kind,
            message: `${options.name} (${participant.identity.mspId}) could not register module ${moduleId}: is it an active member with role module? (${error.message})`,
            cause: error,
          });
        }
        throw error;
      });
      const firstStart = tamper ?? (await made.checkTamper());
      // A refused attestation leaves the module serving with a low score (and `unattested` in /health): the
      // ledger, not this process, decides whether the trust domain uses it. The timer tries again.
      await made
        .attest()
        .catch((error: unknown) =>
          logger.error({ error: errorText(error) }, 'the attestation on start was not accepted'),
        );
      made.schedule();
      const pidFile = join(options.dataDir, 'module.pid');
      writeFileSync(pidFile, `${process.pid}\n`);
      logger.info(
        { url, registration: registration.outcome, tamper: firstStart, shares: shares.list().length },
        'security module ready',
      );
      return new ModuleServer({
        url,
        context,
        participant,
        server: listening,
        attestor: made,
        peers,
        pidFile,
      });
    } catch (error) {
      await attestor?.stop();
      await peers?.close();
      server?.closeAllConnections();
      server?.close();
      closeParticipant(participant);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#attestor.stop();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    await this.#peers.close();
    rmSync(this.#pidFile, { force: true });
    closeParticipant(this.#participant);
  }
}
