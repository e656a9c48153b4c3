import { EventEmitter } from 'node:events';
import type { RetentionPolicy } from '@keyledger/chaincode/protocol';
import { performance } from 'node:perf_hooks';
import type { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { eventPayload } from '../fabric';
import { GovernanceLedger, type MemberRef } from '../governance';
import { destroyKey } from '../hsm';
import { errorText } from '../logging';
import {
  closeParticipant,
  KeyedSerializer,
  LedgerLoop,
  loadWrappingKey,
  openParticipant,
  startParticipant,
  WrappingKeyPublisher,
  type Participant,
  type WrappingKey,
} from '../participant';
import type { KeyResidence } from './ciphers';
import { envelopeVersion } from './envelope';
import { KeyUnavailableError } from './errors';
import { KeyAcquirer, type AcquireContext } from './frontend/acquire';
import {
  DEFAULT_WRAPPING_LABEL,
  type Activation,
  type FrontendNodeMetrics,
  type FrontendNodeOptions,
} from './frontend/options';
import { Refusals } from './frontend/refusals';
import { destroyStaleTokenKeys } from './frontend/tokenKeys';
import { noUsableKey, unknownVersion } from './frontend/unavailable';
import { QueueKeyring, type KeyVersionEntry } from './keyring';
import { RotationLedger } from './ledger';
import type {
  CommittedRotationView,
  FrontendNodeHandle,
  LocalKeyVersion,
  OpenedMessage,
  RefusedKeyVersion,
  SealedMessage,
} from './types';
import { VolumeReporter } from './volume';
import { VolumeJournal } from './volumeJournal';

/** Activations kept for propagation figures. */
const MAX_ACTIVATIONS = 1_000;
/** The events after which a queue is caught up at once rather than at the next poll. */
const FOLLOWED_EVENTS: ReadonlySet<string> = new Set(['RotationCommitted', 'KeyCompromised', 'KeyPolicySet']);

/**
 * A front-end node: it encrypts and decrypts queue messages with the key versions the validators commit.
 *
 * It publishes the public half of a P-256 key-wrapping key kept in its token (Governance:SetPublicKey), then
 * follows `RotationCommitted` (and `KeyCompromised`, `KeyPolicySet`) events from a checkpoint and polls as a
 * fallback. For each newly committed version it verifies the commit itself from ledger data — a quorum of
 * distinct registered validators with valid signatures over the proposal digest — fetches its own wrapped
 * copy, unwraps it into its token as a persistent non-extractable object labelled `${queueId}/v${version}`,
 * and checks the key check value against the ledger's before ever using it. New messages use the newest
 * usable version; older versions decrypt until they fall out of the policy's retention, when they are
 * destroyed. Encrypted-message counts are reported in aggregated batches.
 */
export class FrontendNode implements FrontendNodeHandle {
  readonly name: string;
  readonly identity: MemberRef;
  /** PEM SPKI of the key-wrapping key, as published on the ledger. */
  readonly wrappingPublicKeyPem: string;
  readonly #options: FrontendNodeOptions;
  readonly #p: Participant;
  readonly #rotation: RotationLedger;
  readonly #governance: GovernanceLedger;
  readonly #wrapping: WrappingKey;
  readonly #residence: KeyResidence;
  readonly #refusals: Refusals;
  readonly #acquirer: KeyAcquirer;
  readonly #loop: LedgerLoop;
  readonly #publisher: WrappingKeyPublisher;
  readonly #rings = new Map<string, QueueKeyring>();
  readonly #scanned = new Set<string>();
  readonly #serial = new KeyedSerializer();
  readonly #changes = new EventEmitter();
  readonly #volume: VolumeReporter;
  readonly #activations: Activation[] = [];
  readonly #metrics = {
    encrypted: 0,
    decrypted: 0,
    decryptFailures: 0,
    versionsActivated: 0,
    versionsRefused: 0,
    versionsDestroyed: 0,
    syncs: 0,
    syncFailures: 0,
    eventsHandled: 0,
    lastEventBlock: undefined as bigint | undefined,
  };
  readonly #decryptCompromised: boolean;
  readonly #refreshTimers = new Map<string, NodeJS.Timeout>();
  #stopping: Promise<void> | undefined;

  private constructor(options: FrontendNodeOptions, participant: Participant) {
    this.name = options.name;
    this.#options = options;
    this.#p = participant;
    this.#rotation = new RotationLedger(participant.connection);
    this.#governance = new GovernanceLedger(participant.connection);
    this.identity = { mspId: participant.identity.mspId, fingerprint: participant.identity.fingerprint };
    this.#residence = options.keyResidence ?? 'memory';
    this.#decryptCompromised = options.decryptCompromised ?? true;
    this.#wrapping = loadWrappingKey(
      participant.token,
      options.wrappingKeyLabel ?? DEFAULT_WRAPPING_LABEL,
      participant.logger,
    );
    this.wrappingPublicKeyPem = this.#wrapping.publicKeyPem;
    this.#publisher = new WrappingKeyPublisher(
      this.#governance,
      this.wrappingPublicKeyPem,
      participant.logger,
      'frontend',
    );
    this.#refusals = new Refusals({
      nodeName: options.name,
      ledger: this.#rotation,
      logger: participant.logger,
      report: options.reportRefusals ?? true,
      onRefused: () => {
        this.#metrics.versionsRefused += 1;
      },
    });
    this.#acquirer = new KeyAcquirer({
      identity: this.identity,
      token: participant.token,
      wrapping: this.#wrapping,
      residence: this.#residence,
      rotation: this.#rotation,
      governance: this.#governance,
      refusals: this.#refusals,
      requireSignedApprovals: options.requireSignedApprovals ?? true,
      logger: participant.logger,
    });
    this.#changes.setMaxListeners(0);
    this.#volume = new VolumeReporter({
      sink: async (report) => {
        await this.#rotation.reportMessageVolume(report);
      },
      ...(options.volume?.flushIntervalMs !== undefined
        ? { flushIntervalMs: options.volume.flushIntervalMs }
        : {}),
      ...(options.volume?.flushEveryMessages !== undefined
        ? { flushEveryMessages: options.volume.flushEveryMessages }
        : {}),
      ...(options.volume?.reserveBlock !== undefined ? { reserveBlock: options.volume.reserveBlock } : {}),
      journal: new VolumeJournal(options.volume?.journalPath),
      logger: participant.logger,
    });
    this.#loop = new LedgerLoop({
      participant,
      follow: options,
      pollIntervalMs: options.pollIntervalMs ?? 10_000,
      onEvent: (event) => this.#onEvent(event),
      poll: () => this.syncAll(),
    });
  }

  static async start(options: FrontendNodeOptions): Promise<FrontendNode> {
    return startParticipant(
      openParticipant(options, 'frontend-node'),
      (participant) => new FrontendNode(options, participant),
      (node) => node.#begin(),
    );
  }

  get logger(): Participant['logger'] {
    return this.#p.logger;
  }

  get #stopped(): boolean {
    return this.#loop.stopped;
  }

  async #begin(): Promise<void> {
    await this.#publisher.publish();
    this.#volume.recover();
    this.#volume.start();
    if (this.#options.syncOnStart ?? true) {
      await this.syncAll();
    }
    await this.#loop.start();
    this.#p.logger.info(
      {
        residence: this.#residence,
        pollIntervalMs: this.#options.pollIntervalMs ?? 10_000,
        queues: [...this.#rings.keys()],
        checkpoint: this.#options.checkpointPath !== undefined,
      },
      'front-end node started',
    );
  }

  // ------------------------------------------------------------------------------------------- hot path

  /** Seals one message under the queue's current key version. Synchronous: no ledger or HSM round trip in 'memory'. */
  seal(queueId: string, plaintext: Uint8Array): SealedMessage {
    const entry = this.#rings.get(queueId)?.current;
    if (entry === undefined) {
      throw noUsableKey(this.name, queueId, this.#rings.get(queueId));
    }
    const envelope = entry.cipher.seal(entry.version, entry.aad, plaintext);
    if (entry.counter !== undefined) {
      this.#volume.record(entry.counter);
    }
    this.#metrics.encrypted += 1;
    return { queueId, version: entry.version, envelope };
  }

  /** Opens an envelope of a queue with the version its header names. */
  open(queueId: string, envelope: Uint8Array): Buffer {
    const version = envelopeVersion(envelope);
    const ring = this.#rings.get(queueId);
    const entry = ring?.get(version);
    if (entry === undefined) {
      throw unknownVersion(this.name, queueId, version, ring, this.#refusals.get(queueId, version));
    }
    if (entry.compromised && !this.#decryptCompromised) {
      throw new KeyUnavailableError({
        code: 'COMPROMISED_VERSION',
        queueId,
        message: `key version ${version} of queue ${queueId} is compromised and this node does not decrypt with it`,
        version,
      });
    }
    try {
      const plaintext = entry.cipher.open(envelope, entry.aad);
      this.#metrics.decrypted += 1;
      return plaintext;
    } catch (error) {
      this.#metrics.decryptFailures += 1;
      throw error;
    }
  }

  async encrypt(queueId: string, plaintext: Uint8Array): Promise<SealedMessage> {
    return this.seal(queueId, plaintext);
  }

  async decrypt(queueId: string, envelope: Uint8Array): Promise<OpenedMessage> {
    const plaintext = this.open(queueId, envelope);
    const version = envelopeVersion(envelope);
    return { plaintext, version, compromised: this.#rings.get(queueId)?.get(version)?.compromised ?? false };
  }

  // ------------------------------------------------------------------------------------------- views

  keyVersions(queueId: string): LocalKeyVersion[] {
    return this.#rings.get(queueId)?.list() ?? [];
  }

  /** Committed versions this node will not use, and why. */
  refusedVersions(queueId?: string): RefusedKeyVersion[] {
    return this.#refusals.list(queueId);
  }

  /** The version new messages of a queue are sealed with, if any. */
  currentVersion(queueId: string): number | undefined {
    return this.#rings.get(queueId)?.current?.version;
  }

  /** When each version became usable here (the latest 1,000), for propagation figures. */
  activations(): readonly Activation[] {
    return this.#activations;
  }

  metrics(): FrontendNodeMetrics {
    return { ...this.#metrics, volume: this.#volume.stats };
  }

  /** Resolves once the queue's current version is at least `version`. */
  waitForVersion(queueId: string, version: number, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const current = this.currentVersion(queueId);
        if (current !== undefined && current >= version) {
          cleanup();
          resolve(current);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `front-end ${this.name}: queue ${queueId} did not reach version ${version} within ${timeoutMs} ms ` +
              `(current ${String(this.currentVersion(queueId))})`,
          ),
        );
      }, timeoutMs);
      const onChange = (changed: string): void => {
        if (changed === queueId) {
          check();
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#changes.off('change', onChange);
      };
      this.#changes.on('change', onChange);
      check();
    });
  }

  /** Reports counted message volume now rather than at the next interval. */
  flushVolume(): Promise<void> {
    return this.#volume.flush();
  }

  // ------------------------------------------------------------------------------------------- sync

  /** Catches up every watched queue from ledger state. */
  async syncAll(): Promise<void> {
    await this.#publisher.publish();
    const queues = this.#options.queues
      ? this.#options.queues.map((queueId) => ({ queueId, policy: undefined }))
      : (await this.#rotation.listQueues()).map((queue) => ({ queueId: queue.queueId, policy: queue }));
    const context: AcquireContext = {};
    let failure: unknown;
    for (const queue of queues) {
      if (this.#stopped) {
        return;
      }
      await this.sync(queue.queueId, queue.policy, context).catch((error: unknown) => {
        failure ??= error;
      });
    }
    if (failure !== undefined) {
      throw failure;
    }
  }

  /** Catches up one queue: new versions, compromise flags, retention (the policy is read unless given). */
  sync(queueId: string, policy?: RetentionPolicy, context: AcquireContext = {}): Promise<void> {
    return this.#serial.run(queueId, async () => {
      if (this.#stopped) {
        return;
      }
      this.#metrics.syncs += 1;
      try {
        await this.#sync(queueId, policy, context);
      } catch (error) {
        this.#metrics.syncFailures += 1;
        this.#p.logger.warn({ queueId, error: errorText(error) }, 'catching up failed; will retry');
        throw error;
      }
    });
  }

  /**
   * The versions a catch-up reads: from the oldest one held (its supersededAt moves as later versions commit),
   * the count window, or a version refused for now — whichever is lowest; everything on a first catch-up.
   */
  #syncFrom(queueId: string, ring: QueueKeyring | undefined): number {
    if (ring === undefined) {
      return 0;
    }
    const retry = this.#refusals
      .list(queueId)
      .filter((refusal) => !refusal.permanent)
      .map((refusal) => refusal.version);
    const lowest = Math.min(
      ring.oldestOfInterest,
      ring.newestCommitted - ring.retentionVersions + 1,
      ...retry,
    );
    return Math.max(0, lowest - 1);
  }

  async #sync(queueId: string, given: RetentionPolicy | undefined, context: AcquireContext): Promise<void> {
    const { logger } = this.#p;
    const known = this.#rings.get(queueId);
    const [policy, rotations] = await Promise.all([
      given ?? this.#rotation.getKeyPolicy(queueId),
      this.#rotation.getRotationsSince(queueId, this.#syncFrom(queueId, known)),
    ]);
    const retention = { retentionVersions: policy.retentionVersions, retentionMs: policy.retentionMs };
    let ring = known;
    if (ring === undefined) {
      ring = new QueueKeyring(queueId, retention);
      this.#rings.set(queueId, ring);
    } else {
      ring.policy = retention;
    }
    for (const rotation of rotations) {
      ring.noteCommitted(rotation);
    }
    const now = Date.now();
    let changed = false;
    for (const rotation of rotations) {
      const held = ring.get(rotation.version);
      if (held) {
        if (rotation.compromised && ring.markCompromised(rotation.version, now)) {
          changed = true;
          logger.warn(
            { queueId, version: rotation.version, keyId: rotation.keyId, current: ring.current?.version },
            'key version compromised: no longer used for encryption',
          );
        }
        continue;
      }
      if (!ring.wants(rotation.version, now) || this.#refusals.isPermanent(queueId, rotation.version)) {
        continue;
      }
      if (await this.#activate(ring, rotation, context)) {
        changed = true;
      }
    }
    for (const entry of ring.evict(Date.now())) {
      this.#destroy(entry, 'past retention');
      changed = true;
    }
    if (!this.#scanned.has(queueId)) {
      this.#destroyStaleTokenKeys(ring);
      this.#scanned.add(queueId);
    }
    this.#scheduleRefresh(ring);
    if (changed) {
      this.#changes.emit('change', queueId);
    }
  }

  /** Acquires one committed version (verify → unwrap → key check) and puts it in use; true when it did. */
  async #activate(
    ring: QueueKeyring,
    rotation: CommittedRotationView,
    context: AcquireContext,
  ): Promise<boolean> {
    const started = performance.now();
    const acquired = await this.#acquirer.acquire(rotation, ring.newestCommitted, context);
    if (acquired === undefined) {
      return false;
    }
    const { queueId, version } = rotation;
    const entry = ring.add(
      {
        version,
        keyId: rotation.keyId,
        keyCheckValue: rotation.keyCheckValue,
        committedAt: rotation.committedAt,
        notBefore: rotation.notBefore,
        compromised: rotation.compromised,
        cipher: acquired.cipher,
        ...(acquired.tokenKey ? { tokenKey: acquired.tokenKey } : {}),
        counter: this.#volume.counter(queueId, version),
      },
      Date.now(),
    );
    this.#refusals.clear(queueId, version);
    this.#metrics.versionsActivated += 1;
    if (this.#activations.length >= MAX_ACTIVATIONS) {
      this.#activations.shift();
    }
    this.#activations.push({
      queueId,
      version,
      committedAt: rotation.committedAt,
      activatedAt: entry.activatedAt,
    });
    this.#changes.emit('change', queueId);
    this.#p.logger.info(
      {
        queueId,
        version,
        keyId: rotation.keyId,
        keyCheckValue: rotation.keyCheckValue,
        approvals: acquired.approvals,
        required: acquired.required,
        compromised: rotation.compromised,
        current: ring.current?.version,
        residence: this.#residence,
        ledgerMs: acquired.ledgerMs,
        totalMs: Math.round(performance.now() - started),
      },
      'key version verified and activated',
    );
    if (entry.tokenKey === undefined) {
      // Let waiting callers and queued messages run first: token objects are slow to create.
      await new Promise((resolve) => setImmediate(resolve));
      const persisted = this.#acquirer.persistTokenCopy(rotation, acquired.wrapped);
      if (persisted !== undefined) {
        entry.tokenKey = persisted;
      }
    }
    return true;
  }

  #destroy(entry: KeyVersionEntry, why: string): void {
    entry.cipher.dispose();
    if (entry.counter) {
      this.#volume.retire(entry.counter);
    }
    if (entry.tokenKey) {
      try {
        destroyKey(this.#p.token, entry.tokenKey);
      } catch (error) {
        this.#p.logger.warn({ error: errorText(error), version: entry.version }, 'destroying a key failed');
      }
    }
    this.#metrics.versionsDestroyed += 1;
    this.#p.logger.info(
      { queueId: entry.queueId, version: entry.version, keyId: entry.keyId, why },
      'key version destroyed',
    );
  }

  /** Token objects of this queue from earlier runs that are past retention now. */
  #destroyStaleTokenKeys(ring: QueueKeyring): void {
    const destroyed = destroyStaleTokenKeys(
      this.#p.token,
      ring.queueId,
      (version) => ring.has(version) || !ring.isPastRetention(version, Date.now()),
    );
    for (const version of destroyed) {
      this.#metrics.versionsDestroyed += 1;
      this.#p.logger.info({ queueId: ring.queueId, version }, 'stale key version destroyed from the token');
    }
  }

  /** A version with notBefore in the future becomes current when it arrives. */
  #scheduleRefresh(ring: QueueKeyring): void {
    const next = ring.refresh(Date.now());
    const existing = this.#refreshTimers.get(ring.queueId);
    if (existing) {
      clearTimeout(existing);
      this.#refreshTimers.delete(ring.queueId);
    }
    if (next !== undefined && !this.#stopped) {
      const timer = setTimeout(
        () => {
          this.#refreshTimers.delete(ring.queueId);
          this.#scheduleRefresh(ring);
          this.#changes.emit('change', ring.queueId);
        },
        Math.max(0, next - Date.now()) + 1,
      );
      timer.unref();
      this.#refreshTimers.set(ring.queueId, timer);
    }
  }

  // ------------------------------------------------------------------------------------------- events

  async #onEvent(event: ChaincodeEvent): Promise<void> {
    this.#metrics.eventsHandled += 1;
    this.#metrics.lastEventBlock = event.blockNumber;
    if (!FOLLOWED_EVENTS.has(event.eventName)) {
      return;
    }
    const queueId = eventPayload<{ queueId: string }>(event)?.queueId;
    if (typeof queueId !== 'string' || (this.#options.queues && !this.#options.queues.includes(queueId))) {
      return;
    }
    // Awaited: the follower checkpoints the event only after the node has caught up with it, so a crash
    // here replays it on restart.
    await this.sync(queueId);
  }

  /**
   * Stops following and polling, reports the remaining message volume and forgets in-memory keys. Token
   * objects stay (they are what a restart resumes from); the connection and an owned token are closed.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const timer of this.#refreshTimers.values()) {
        clearTimeout(timer);
      }
      await this.#loop.stop();
      await this.#serial.idle();
      await this.#volume.stop().catch(() => undefined);
      for (const ring of this.#rings.values()) {
        for (const entry of ring.clear()) {
          entry.cipher.dispose();
        }
      }
      this.#changes.removeAllListeners();
      closeParticipant(this.#p);
      this.#p.logger.info(
        { ...this.metrics(), lastEventBlock: String(this.#metrics.lastEventBlock) },
        'front-end node stopped',
      );
    })();
    return this.#stopping;
  }
}
