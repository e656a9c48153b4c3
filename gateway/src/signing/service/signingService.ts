import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import type { LedgerAccess } from '../../fabric';
import type { HsmToken } from '../../hsm';
import { HsmJwsSigner, SigningKeyStore, type JwtClaims, type SigningAlgorithm } from '../keys';
import { SigningLedger } from '../ledger';
import {
  JobFailure,
  SigningQueue,
  startQueueWorkers,
  type ClaimedJob,
  type JsonValue,
  type QueueWorkers,
  type SigningQueueOptions,
} from '../queue';
import type { KeyCertification } from './certification';
import { CertificateRevoker } from './certificateRevoker';
import { JwksCache } from './jwksCache';
import { SigningKeyManager, type RotationReport } from './keyManager';
import type { RevocationEvents } from './revocationWatch';
import type { RotationPolicy, RotationPolicyInput } from './rotationSchedule';

/** What a job carries: the claims to sign and how (validated by the REST layer before it is queued). */
export interface SigningRequestPayload {
  readonly claims: JwtClaims;
  readonly audience?: string | readonly string[];
  /** Seconds from iat to exp. */
  readonly lifetimeSeconds: number;
  /** Who asked (MSP id and certificate fingerprint): stored with the job, never put in the token. */
  readonly requestedBy?: { readonly mspId: string; readonly fingerprint: string };
}

/** A done job's result. */
export interface SignedToken {
  readonly token: string;
  readonly kid: string;
}

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
  readonly claimBatch?: number;
  readonly leaseMs?: number;
  readonly queue?: Omit<SigningQueueOptions, 'dataDir'>;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** A token is re-signed at most this often when its key is withdrawn while it is being signed. */
const MAX_SIGN_TRIES = 3;

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
        batchHandler: (jobs) => service.#signBatch(jobs),
        name: options.serviceId,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.claimBatch === undefined ? {} : { claimBatch: options.claimBatch }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      });
      return service;
    } catch (error) {
      await service.keys.stop().catch(() => undefined);
      queue.close();
      throw error;
    }
  }

  /**
   * One of this service's keys was revoked on the ledger (by whoever: a REST caller as itself, say): rotates at
   * once when it was the active key — the answer names the new one — and has its certificates revoked at the
   * CAs. The service also learns of it from the ledger's events; both reports rotate once.
   */
  keyRevoked(record: signing.SigningKeyRecord): Promise<RotationReport | undefined> {
    return this.keys.keyRevoked(record);
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
    await this.#workers?.stop();
    this.#workers = undefined;
    this.queue.close();
  }

  /** A claimed batch signed in one HSM session with the active key; signed again if the key changed meanwhile. */
  async #signBatch(jobs: readonly ClaimedJob[]): Promise<readonly (JsonValue | JobFailure)[]> {
    for (let attempt = 0; attempt < MAX_SIGN_TRIES; attempt += 1) {
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
      const iat = Math.floor(this.#clock() / 1000);
      const requests = jobs.map((job) => {
        const request = job.payload as unknown as SigningRequestPayload;
        const claims: JwtClaims = {
          ...request.claims,
          keyledger: certified.claims,
          iss: this.#serviceId,
          iat,
          exp: iat + request.lifetimeSeconds,
          jti: job.id,
          ...(request.audience === undefined ? {} : { aud: request.audience as JsonValue }),
        };
        return { kid: key.kid, claims, header: { x5c: certified.x5c } };
      });
      const tokens = this.#signer.signMany(requests);
      if (this.keys.stillActive(key.kid)) {
        return tokens.map((token): JsonValue => ({ token, kid: key.kid }) satisfies SignedToken);
      }
      // Withdrawn while we signed (revoked, rotated): these tokens are dropped, the next try waits for the new key.
    }
    throw new JobFailure({
      code: 'key-unavailable',
      message: 'the signing key kept changing while this request was signed',
      retryable: true,
    });
  }
}
