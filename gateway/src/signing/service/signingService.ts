import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import type { LedgerAccess } from '../../fabric';
import type { HsmToken } from '../../hsm';
import { HsmJwsSigner, SigningKeyStore, type SigningAlgorithm } from '../keys';
import { SigningLedger } from '../ledger';
import {
  JobFailure,
  SigningQueue,
  startQueueWorkers,
  type QueueWorkers,
  type SigningQueueOptions,
} from '../queue';
import type { KeyCertification } from './certification';
import { CertificateRevoker } from './certificateRevoker';
import { JwksCache } from './jwksCache';
import { SigningKeyManager, type RotationReport } from './keyManager';
import type { RevocationEvents } from './revocationWatch';
import type { RotationPolicy, RotationPolicyInput } from './rotationSchedule';
import { signClaimedBatch, type SigningPlan } from './tokenBatch';
import { WorkerProcesses } from './workerProcesses';

export type { SignedToken, SigningRequestPayload } from './tokenBatch';

/** Claims the service sets itself; a request that names one is refused before it is queued. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'iat',
  'exp',
  'nbf',
  'jti',
  'aud',
  'keyledger',
]);

export interface SigningServiceOptions {
  readonly dataDir: string;
  /** The service's own token: its signing keys are made and kept there. */
  readonly token: HsmToken;
  /** The service's ledger identity (role signer). */
  readonly ledger: LedgerAccess;
  /** Issuer scope on the ledger and the tokens' `iss`. */
  readonly serviceId: string;
  /** The key's CAs: certifies new keys, and gives each token its CA locations, revocation snapshot and x5c. */
  readonly certification: KeyCertification;
  readonly algorithm?: SigningAlgorithm;
  /** Scheduled key rotation, e.g. { every: 'monthly', publishAhead: 'PT1H' } (none by default). */
  readonly rotation?: RotationPolicyInput | RotationPolicy;
  /**
   * Chaincode events to follow, so that a revocation by anyone (an admin's CLI) rotates at once; without them
   * the key manager notices by its poll (every 30 s by default).
   */
  readonly events?: RevocationEvents;
  /** How often the key manager reads its keys' ledger records (default 30 s). */
  readonly keyPollIntervalMs?: number;
  readonly workers?: number;
  /**
   * Signing workers in processes of their own (each one event loop, one core), on the same queue file and in the
   * same token, whose credentials they get over their IPC channel. Default none.
   */
  readonly workerProcesses?: {
    readonly count: number;
    readonly token: { readonly label: string; readonly pin: string };
  };
  readonly claimBatch?: number;
  readonly leaseMs?: number;
  readonly queue?: Omit<SigningQueueOptions, 'dataDir'>;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/**
 * The asynchronous signing service: requests wait in the durable queue, workers sign them in the HSM with the
 * service's active key, and the key manager keeps that key's lifecycle on the ledger (rotating at once when it is
 * revoked, workers waiting for the new key meanwhile). A token signed with a key that was withdrawn while it was
 * being signed is signed again with the new key, so every token released after a switch carries the new kid.
 */
export class SigningService {
  readonly queue: SigningQueue;
  readonly keys: SigningKeyManager;
  readonly ledger: SigningLedger;
  readonly #signer: HsmJwsSigner;
  readonly #clock: () => number;
  readonly #serviceId: string;
  readonly #certification: KeyCertification;
  readonly #jwks: JwksCache;
  readonly #revoker: CertificateRevoker;
  #workers: QueueWorkers | undefined;
  #processes: WorkerProcesses | undefined;

  private constructor(options: Readonly<SigningServiceOptions>, queue: SigningQueue) {
    this.queue = queue;
    this.ledger = new SigningLedger(options.ledger);
    const store = new SigningKeyStore({ token: options.token });
    this.#signer = new HsmJwsSigner({ keys: store });
    this.#clock = options.clock ?? Date.now;
    this.#serviceId = options.serviceId;
    this.#certification = options.certification;
    this.#jwks = new JwksCache(() => this.ledger.jwks());
    this.#revoker = new CertificateRevoker({
      certification: options.certification,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.keys = new SigningKeyManager({
      store,
      ledger: this.ledger,
      serviceId: options.serviceId,
      certify: (key) => options.certification.certify(key),
      ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
      ...(options.rotation === undefined ? {} : { rotation: options.rotation }),
      ...(options.events === undefined ? {} : { events: options.events }),
      ...(options.keyPollIntervalMs === undefined ? {} : { pollIntervalMs: options.keyPollIntervalMs }),
      onChange: (change) => {
        this.#jwks.invalidate();
        if (change.kind === 'revoked') {
          void this.#revoker.revoke(change.record);
        }
      },
      clock: this.#clock,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  /** Opens the queue, takes up (or makes) the active key, starts the workers. */
  static async start(options: Readonly<SigningServiceOptions>): Promise<SigningService> {
    const queue = SigningQueue.open({ ...options.queue, dataDir: options.dataDir });
    const service = new SigningService(options, queue);
    try {
      await service.keys.start();
      service.#workers = startQueueWorkers({
        queue,
        batchHandler: (jobs) =>
          signClaimedBatch(jobs, service.#signer, {
            plan: () => service.#plan(),
            mayRelease: (kid) => service.keys.stillActive(kid),
          }),
        name: options.serviceId,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.claimBatch === undefined ? {} : { claimBatch: options.claimBatch }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      });
      if (options.workerProcesses !== undefined && options.workerProcesses.count > 0) {
        service.#processes = await WorkerProcesses.start({
          count: options.workerProcesses.count,
          name: options.serviceId,
          init: {
            dataDir: options.dataDir,
            token: options.workerProcesses.token,
            claimBatch: options.claimBatch ?? 10,
            ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
            ...(options.queue?.durability === undefined ? {} : { durability: options.queue.durability }),
          },
          plan: () => service.#plan(),
          stillActive: (kid) => service.keys.stillActive(kid),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        });
      }
      return service;
    } catch (error) {
      await service.keys.stop().catch(() => undefined);
      await service.#workers?.stop().catch(() => undefined);
      queue.close();
      throw error;
    }
  }

  /**
   * One of this service's keys was revoked on the ledger (by whoever: a REST caller as itself, say): rotates at
   * once when it was the active key — the answer names the new one — and has its certificates revoked at the
   * CAs. The service also learns of it from the ledger's events; both reports rotate once.
   */
  async keyRevoked(record: signing.SigningKeyRecord): Promise<RotationReport | undefined> {
    const rotation = await this.keys.keyRevoked(record);
    // Worker processes may still be storing a batch they were allowed to release before the key was withdrawn.
    await this.#processes?.drain(record.kid);
    return rotation;
  }

  /** The certificates (PEM) the CAs issued for one of this service's keys. */
  certificatesOf(kid: string): readonly string[] {
    return this.#certification.certificates(kid).map((issued) => issued.certificatePem);
  }

  /** The JWKS from the ledger (active, published, retired in grace), cached for a second. */
  jwks(): Promise<signing.Jwks> {
    return this.#jwks.get();
  }

  /** Stops the key schedule, then claiming; lets the workers finish what they hold, closes the queue. */
  async stop(): Promise<void> {
    this.#revoker.stop();
    await this.keys.stop();
    await this.#processes?.stop();
    this.#processes = undefined;
    await this.#workers?.stop();
    this.#workers = undefined;
    this.queue.close();
  }

  /** The key to sign with now, its certification and one iat: waits for a rotation under way. */
  async #plan(): Promise<SigningPlan> {
    const key = await this.keys.current().catch((error: unknown) => {
      // No key now (a rotation failed): the jobs go back to the queue for a later claim, they are not lost.
      throw new JobFailure({
        code: 'key-unavailable',
        message: 'no active signing key',
        retryable: true,
        cause: error,
      });
    });
    const certified = await this.#certification.forToken(key.kid).catch((error: unknown) => {
      throw new JobFailure({
        code: 'key-unavailable',
        message: 'the signing key is not validated by any CA now',
        retryable: true,
        cause: error,
      });
    });
    return {
      kid: key.kid,
      certification: certified.claims,
      x5c: certified.x5c,
      iat: Math.floor(this.#clock() / 1000),
      issuer: this.#serviceId,
    };
  }
}
