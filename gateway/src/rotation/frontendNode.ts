import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { checkpointers, type ChaincodeEvent, type Checkpointer } from '@hyperledger/fabric-gateway';
import { EventFollower, LedgerError } from '../fabric';
import {
  destroyKey,
  ecPublicPoint,
  findKey,
  findKeys,
  generateEcKeyPair,
  HsmError,
  keyCheckValue,
  p256PublicKeyFromPoint,
  unwrapKeyFromSender,
  type KeyRef,
} from '../hsm';
import {
  keyCheckValueOf,
  MemoryCipher,
  readSessionKey,
  sameKeyCheckValue,
  TokenCipher,
  type KeyResidence,
  type VersionCipher,
} from './ciphers';
import { envelopeVersion } from './envelope';
import { KeyUnavailableError } from './errors';
import { QueueKeyring, type KeyVersionEntry } from './keyring';
import { refOf } from './ledger';
import { errorText } from './logging';
import {
  closeParticipant,
  openParticipant,
  startParticipant,
  type Participant,
  type ParticipantOptions,
} from './participant';
import { KeyedSerializer } from './serial';
import type {
  CommittedRotationView,
  FrontendNodeHandle,
  LedgerMember,
  LocalKeyVersion,
  MemberRef,
  QuorumView,
  RefusedKeyVersion,
  SealedMessage,
} from './types';
import { wrapContext } from './validatorAgent';
import { verifyCommit } from './verify';
import { VolumeReporter } from './volume';

export interface FrontendNodeOptions extends ParticipantOptions {
  /** Label of the node's P-256 key-wrapping (ECDH) key pair in its token (default 'keyledger-frontend-wrapping'). */
  readonly wrappingKeyLabel?: string;
  /** Fallback poll of the ledger in case events are missed (default 10 s). */
  readonly pollIntervalMs?: number;
  /** Follow RotationCommitted / KeyCompromised / KeyPolicySet events (default true). */
  readonly followEvents?: boolean;
  /** File keeping the event position, so a restarted node resumes where it stopped (default: in memory). */
  readonly checkpointPath?: string;
  /**
   * First block to follow events from when there is no checkpoint yet (default: the next block committed).
   * The start-up catch-up covers everything before it.
   */
  readonly startBlock?: bigint;
  /** Catch up from ledger state on start (default true). */
  readonly syncOnStart?: boolean;
  /**
   * 'memory' (default): message keys are used from process memory (Node KeyObject) — the fast path.
   * 'hsm': every message is encrypted inside the token; keys never leave it. Either way the token keeps a
   * persistent, non-extractable copy of each retained version.
   */
  readonly keyResidence?: KeyResidence;
  readonly volume?: {
    /** Report at least this often (default 5 s). */
    readonly flushIntervalMs?: number;
    /** Report as soon as this many messages are unreported (default 1000). */
    readonly flushEveryMessages?: number;
  };
  /** Only these queues (default: every queue on the ledger). */
  readonly queues?: readonly string[];
  /** Count only signed approvals when verifying a commit (default true). */
  readonly requireSignedApprovals?: boolean;
  /** Decrypt messages under compromised versions still within retention (default true). */
  readonly decryptCompromised?: boolean;
  /**
   * Report a committed version whose key check value does not match what this node unwrapped as
   * compromised, so the validators replace it (default true). Front-ends cannot reject a commit; this is
   * how they get a bad key replaced.
   */
  readonly reportRefusals?: boolean;
}

export interface FrontendNodeMetrics {
  encrypted: number;
  decrypted: number;
  decryptFailures: number;
  versionsActivated: number;
  versionsRefused: number;
  versionsDestroyed: number;
  syncs: number;
  syncFailures: number;
  eventsHandled: number;
  lastEventBlock: bigint | undefined;
  volume: { reports: number; failures: number; unreported: number };
}

/** When a version became usable here, for propagation figures. */
export interface Activation {
  readonly queueId: string;
  readonly version: number;
  /** Ledger commit time (transaction timestamp). */
  readonly committedAt: number;
  /** Local time this node started holding it. */
  readonly activatedAt: number;
}

const DEFAULT_WRAPPING_LABEL = 'keyledger-frontend-wrapping';
/** Activations kept for propagation figures. */
const MAX_ACTIVATIONS = 1_000;
const TOKEN_LABEL = /^(.+)\/v(\d+)$/;

/** The token label of a queue's key version. */
export function keyVersionLabel(queueId: string, version: number): string {
  return `${queueId}/v${version}`;
}

interface SyncContext {
  validators?: Promise<LedgerMember[]>;
  quorum?: Promise<QuorumView>;
}

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
  readonly #wrapping: { readonly privateKey: KeyRef; readonly point: Buffer };
  readonly #residence: KeyResidence;
  readonly #rings = new Map<string, QueueKeyring>();
  readonly #refused = new Map<string, RefusedKeyVersion>();
  readonly #scanned = new Set<string>();
  /** Refused versions this node reported as compromised (once each). */
  readonly #reported = new Set<string>();
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
  #keyPublished = false;
  #unregisteredWarned = false;
  #follower: EventFollower | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  readonly #refreshTimers = new Map<string, NodeJS.Timeout>();
  #stopped = false;
  #stopping: Promise<void> | undefined;

  private constructor(options: FrontendNodeOptions, participant: Participant) {
    this.name = options.name;
    this.#options = options;
    this.#p = participant;
    this.identity = { mspId: participant.identity.mspId, fingerprint: participant.identity.fingerprint };
    this.#residence = options.keyResidence ?? 'memory';
    this.#decryptCompromised = options.decryptCompromised ?? true;
    this.#wrapping = FrontendNode.#wrappingKey(
      participant,
      options.wrappingKeyLabel ?? DEFAULT_WRAPPING_LABEL,
    );
    this.wrappingPublicKeyPem = p256PublicKeyFromPoint(this.#wrapping.point)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    this.#changes.setMaxListeners(0);
    this.#volume = new VolumeReporter({
      sink: async (report) => {
        await this.#p.ledger.reportMessageVolume(report);
      },
      ...(options.volume?.flushIntervalMs !== undefined
        ? { flushIntervalMs: options.volume.flushIntervalMs }
        : {}),
      ...(options.volume?.flushEveryMessages !== undefined
        ? { flushEveryMessages: options.volume.flushEveryMessages }
        : {}),
      logger: participant.logger,
    });
  }

  /** Finds the node's key-wrapping key pair in its token, or makes a persistent one on first start. */
  static #wrappingKey(participant: Participant, label: string): { privateKey: KeyRef; point: Buffer } {
    const { token, logger } = participant;
    const privateKey = findKey(token, { keyClass: 'private', label });
    const publicKey = findKey(token, { keyClass: 'public', label });
    if (privateKey && publicKey) {
      return { privateKey, point: ecPublicPoint(token, publicKey) };
    }
    const pair = generateEcKeyPair(token, { label, persistent: true, sign: false, derive: true });
    logger.info({ label }, 'created the key-wrapping key pair in the token');
    return { privateKey: pair.privateKey, point: pair.publicPoint };
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

  async #begin(): Promise<void> {
    await this.#publishKey();
    this.#volume.start();
    if (this.#options.syncOnStart ?? true) {
      await this.syncAll();
    }
    if (this.#options.followEvents ?? true) {
      const checkpointer: Checkpointer = this.#options.checkpointPath
        ? await checkpointers.file(this.#options.checkpointPath)
        : checkpointers.inMemory();
      this.#follower = new EventFollower({
        network: this.#p.connection.network,
        chaincode: this.#p.connection.config.chaincode,
        checkpointer,
        ...(this.#options.startBlock !== undefined ? { startBlock: this.#options.startBlock } : {}),
        reconnectDelayMs: 500,
        onError: (error) =>
          this.#p.logger.warn(
            { error: errorText(error) },
            'event handling failed; resuming from the checkpoint',
          ),
      });
      this.#follower.start(async (event) => this.#onEvent(event));
    }
    this.#schedulePoll();
    this.#p.logger.info(
      {
        residence: this.#residence,
        pollIntervalMs: this.#pollInterval,
        queues: [...this.#rings.keys()],
        checkpoint: this.#options.checkpointPath !== undefined,
      },
      'front-end node started',
    );
  }

  get #pollInterval(): number {
    return this.#options.pollIntervalMs ?? 10_000;
  }

  #schedulePoll(): void {
    if (this.#stopped) {
      return;
    }
    this.#pollTimer = setTimeout(() => {
      this.#polling = this.syncAll()
        .catch(() => undefined)
        .finally(() => {
          this.#polling = undefined;
          this.#schedulePoll();
        });
    }, this.#pollInterval);
  }

  /** Publishes the key-wrapping key unless the ledger has it already. Retried on every poll until it works. */
  async #publishKey(): Promise<void> {
    if (this.#keyPublished) {
      return;
    }
    const { ledger, logger } = this.#p;
    try {
      const whoami = await ledger.whoAmI();
      if (whoami.member?.status !== 'active') {
        if (!this.#unregisteredWarned) {
          this.#unregisteredWarned = true;
          logger.warn('not registered on the ledger yet; will publish the key-wrapping key once registered');
        }
        return;
      }
      if (!whoami.roles.includes('frontend')) {
        logger.warn(
          { roles: whoami.roles },
          'registered without the frontend role; no key will be wrapped for it',
        );
      }
      if (whoami.member.publicKey?.trim() !== this.wrappingPublicKeyPem.trim()) {
        await ledger.setPublicKey(this.wrappingPublicKeyPem);
        logger.info('published the key-wrapping public key');
      }
      this.#keyPublished = true;
    } catch (error) {
      logger.warn({ error: errorText(error) }, 'publishing the key-wrapping key failed; will retry');
    }
  }

  // ------------------------------------------------------------------------------------------- hot path

  /** Seals one message under the queue's current key version. Synchronous: no ledger or HSM round trip in 'memory'. */
  seal(queueId: string, plaintext: Uint8Array): SealedMessage {
    const entry = this.#rings.get(queueId)?.current;
    if (entry === undefined) {
      throw this.#noUsableKey(queueId);
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
      throw this.#unknownVersion(queueId, version, ring);
    }
    if (entry.compromised && !this.#decryptCompromised) {
      throw new KeyUnavailableError(
        'COMPROMISED_VERSION',
        queueId,
        `key version ${version} of queue ${queueId} is compromised and this node does not decrypt with it`,
        version,
      );
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

  async decrypt(queueId: string, envelope: Uint8Array): Promise<Uint8Array> {
    return this.open(queueId, envelope);
  }

  #noUsableKey(queueId: string): KeyUnavailableError {
    const ring = this.#rings.get(queueId);
    const why =
      ring === undefined || ring.size === 0
        ? 'holds no key version yet'
        : 'holds no usable key version (all compromised or not yet valid)';
    return new KeyUnavailableError(
      'NO_USABLE_KEY',
      queueId,
      `front-end ${this.name} ${why} for queue ${queueId}`,
    );
  }

  #unknownVersion(queueId: string, version: number, ring: QueueKeyring | undefined): KeyUnavailableError {
    const refused = this.#refused.get(`${queueId}\u0000${version}`);
    if (refused) {
      return new KeyUnavailableError(
        'REFUSED_VERSION',
        queueId,
        `key version ${version} of queue ${queueId} was refused by this node: ${refused.reason}`,
        version,
      );
    }
    if (ring !== undefined && version <= ring.floor) {
      return new KeyUnavailableError(
        'PAST_RETENTION',
        queueId,
        `key version ${version} of queue ${queueId} is past retention (${ring.retentionVersions} versions) and was destroyed`,
        version,
      );
    }
    return new KeyUnavailableError(
      'UNKNOWN_VERSION',
      queueId,
      `front-end ${this.name} holds no key version ${version} for queue ${queueId}`,
      version,
    );
  }

  // ------------------------------------------------------------------------------------------- views

  keyVersions(queueId: string): LocalKeyVersion[] {
    return this.#rings.get(queueId)?.list() ?? [];
  }

  /** Committed versions this node will not use, and why. */
  refusedVersions(queueId?: string): RefusedKeyVersion[] {
    return [...this.#refused.values()]
      .filter((refusal) => queueId === undefined || refusal.queueId === queueId)
      .sort((a, b) => a.queueId.localeCompare(b.queueId) || a.version - b.version);
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
    await this.#publishKey();
    const queues = this.#options.queues
      ? this.#options.queues.map((queueId) => ({ queueId, retentionVersions: undefined }))
      : await this.#p.ledger.listQueues();
    const context: SyncContext = {};
    let failure: unknown;
    for (const queue of queues) {
      if (this.#stopped) {
        return;
      }
      await this.sync(queue.queueId, queue.retentionVersions, context).catch((error: unknown) => {
        failure ??= error;
      });
    }
    if (failure !== undefined) {
      throw failure;
    }
  }

  /** Catches up one queue: new versions, compromise flags, retention. */
  sync(queueId: string, retentionVersions?: number, context: SyncContext = {}): Promise<void> {
    return this.#serial.run(queueId, async () => {
      if (this.#stopped) {
        return;
      }
      this.#metrics.syncs += 1;
      try {
        await this.#sync(queueId, retentionVersions, context);
      } catch (error) {
        this.#metrics.syncFailures += 1;
        this.#p.logger.warn({ queueId, error: errorText(error) }, 'catching up failed; will retry');
        throw error;
      }
    });
  }

  async #sync(queueId: string, retentionVersions: number | undefined, context: SyncContext): Promise<void> {
    const { ledger, logger } = this.#p;
    const known = this.#rings.get(queueId);
    const since = known ? Math.max(0, known.newestCommitted - known.retentionVersions) : 0;
    const [retention, rotations] = await Promise.all([
      retentionVersions ?? ledger.getKeyPolicy(queueId).then((policy) => policy.retentionVersions),
      ledger.getRotationsSince(queueId, since),
    ]);
    let ring = known;
    if (ring === undefined) {
      ring = new QueueKeyring(queueId, retention);
      this.#rings.set(queueId, ring);
    } else {
      ring.retentionVersions = retention;
    }
    for (const rotation of rotations) {
      ring.noteCommitted(rotation.version);
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
      if (
        !ring.wants(rotation.version) ||
        this.#refused.get(refusalKey(queueId, rotation.version))?.permanent
      ) {
        continue;
      }
      if (await this.#acquire(ring, rotation, context)) {
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

  /** Verifies, unwraps and checks one committed version; true when it became usable here. */
  async #acquire(
    ring: QueueKeyring,
    rotation: CommittedRotationView,
    context: SyncContext,
  ): Promise<boolean> {
    const { ledger, token, logger } = this.#p;
    const { queueId, version } = rotation;
    const fields = { queueId, version, keyId: rotation.keyId, keyCheckValue: rotation.keyCheckValue };

    const started = performance.now();
    context.validators ??= ledger.listValidators();
    context.quorum ??= ledger.getQuorum();
    // One round trip for everything: the own wrapped copy is fetched alongside, but used only once the commit
    // has verified.
    const [validators, quorum, proposal, own] = await Promise.all([
      context.validators,
      context.quorum,
      ledger.getRotation(rotation.proposalId),
      ledger.getWrappedKey(queueId, version).catch((error: unknown) => {
        if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
          return null;
        }
        throw error;
      }),
    ]);
    const ledgerMs = Math.round(performance.now() - started);
    const verdict = verifyCommit({
      rotation,
      proposal,
      validators,
      requiredApprovals: quorum.required,
      requireSignatures: this.#options.requireSignedApprovals ?? true,
    });
    if (!verdict.valid) {
      // Not permanent (the validator set may change), but when it is the queue's newest version, the
      // validators are asked to replace it: front-ends cannot reject a commit, only refuse to use it.
      this.#refuse(rotation, `commit does not verify: ${verdict.problems.join('; ')}`, false);
      if (rotation.version === ring.newestCommitted && !rotation.compromised) {
        await this.#reportBadKey(rotation, 'the commit does not verify from ledger data');
      }
      return false;
    }
    if (own === null) {
      this.#refuse(rotation, 'this node is not a recipient of the version (registered later?)', true);
      return false;
    }
    const mine = proposal.wrappedKeys.find((entry) => refOf(entry) === refOf(this.identity));
    if (
      own.keyId !== rotation.keyId ||
      own.keyCheckValue !== rotation.keyCheckValue ||
      mine === undefined ||
      mine.wrappedKey !== own.wrappedKey ||
      mine.ephemeralPublicKey !== own.ephemeralPublicKey ||
      own.ephemeralPublicKey === undefined
    ) {
      this.#refuse(rotation, 'the wrapped copy does not match the committed proposal', true);
      return false;
    }
    const wrapped = {
      ephemeralPublicKey: Buffer.from(own.ephemeralPublicKey, 'base64'),
      wrappedKey: Buffer.from(own.wrappedKey, 'base64'),
    };
    const unwrapOptions = {
      recipientPoint: this.#wrapping.point,
      context: wrapContext(queueId, version, rotation.keyId),
    };
    const label = keyVersionLabel(queueId, version);
    const unwrapInto = (options: { label: string; persistent: boolean; readable: boolean }): KeyRef =>
      unwrapKeyFromSender(token, this.#wrapping.privateKey, wrapped, { ...unwrapOptions, ...options });

    // Unwrap and check the key check value before anything uses the key. A wrapped key that does not unwrap
    // for this node, or unwraps to another key than the ledger names, is refused and reported.
    let cipher: VersionCipher;
    let tokenKey: KeyRef | undefined;
    try {
      if (this.#residence === 'memory') {
        // A short-lived readable session copy, read once into a KeyObject and destroyed. The persistent
        // token copy (for restarts) is written after activation: token objects are slow to create.
        const session = unwrapInto({ label: `${label}#memory`, persistent: false, readable: true });
        let key;
        try {
          key = readSessionKey(token, session);
        } finally {
          destroyKey(token, session);
        }
        const kcv = keyCheckValueOf(key);
        if (!sameKeyCheckValue(kcv, rotation.keyCheckValue)) {
          return await this.#refuseBadKey(rotation, kcv);
        }
        cipher = new MemoryCipher(key);
      } else {
        tokenKey = this.#findTokenKey(label, rotation.keyCheckValue);
        if (tokenKey === undefined) {
          tokenKey = unwrapInto({ label, persistent: true, readable: false });
          const kcv = keyCheckValue(token, tokenKey);
          if (!sameKeyCheckValue(kcv, rotation.keyCheckValue)) {
            destroyKey(token, tokenKey);
            return await this.#refuseBadKey(rotation, kcv);
          }
        }
        cipher = new TokenCipher(token, tokenKey);
      }
    } catch (error) {
      if (error instanceof HsmError) {
        this.#refuse(
          rotation,
          `the wrapped key does not unwrap for this node (${error.ckr ?? 'HSM error'})`,
          true,
        );
        await this.#reportBadKey(rotation, 'wrapped key does not unwrap');
        return false;
      }
      throw error;
    }

    const entry = ring.add(
      {
        version,
        keyId: rotation.keyId,
        keyCheckValue: rotation.keyCheckValue,
        committedAt: rotation.committedAt,
        notBefore: rotation.notBefore,
        compromised: rotation.compromised,
        cipher,
        ...(tokenKey ? { tokenKey } : {}),
        counter: this.#volume.counter(queueId, version),
      },
      Date.now(),
    );
    this.#refused.delete(refusalKey(queueId, version));
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
    logger.info(
      {
        ...fields,
        approvals: verdict.approvals,
        required: verdict.required,
        compromised: rotation.compromised,
        current: ring.current?.version,
        residence: this.#residence,
        ledgerMs,
        totalMs: Math.round(performance.now() - started),
      },
      'key version verified and activated',
    );

    if (entry.tokenKey === undefined) {
      // The durable copy a restart resumes from: an earlier run's, or unwrapped now (same wrapped key, and
      // checked again, so it is the key just activated). Let waiting callers and queued messages run first.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        let persisted = this.#findTokenKey(label, rotation.keyCheckValue);
        if (persisted === undefined) {
          persisted = unwrapInto({ label, persistent: true, readable: false });
          if (!sameKeyCheckValue(keyCheckValue(token, persisted), rotation.keyCheckValue)) {
            destroyKey(token, persisted);
            throw new HsmError('the token copy does not match the key check value');
          }
        }
        entry.tokenKey = persisted;
      } catch (error) {
        logger.warn({ ...fields, error: errorText(error) }, 'keeping a token copy of the key version failed');
      }
    }
    return true;
  }

  /** The persistent copy of a version from an earlier run (other objects under the label are destroyed). */
  #findTokenKey(label: string, expectedKcv: string): KeyRef | undefined {
    const { token } = this.#p;
    let found: KeyRef | undefined;
    for (const candidate of findKeys(token, { keyClass: 'secret', label })) {
      if (found === undefined && sameKeyCheckValue(keyCheckValue(token, candidate), expectedKcv)) {
        found = candidate;
      } else {
        destroyKey(token, candidate);
      }
    }
    return found;
  }

  async #refuseBadKey(rotation: CommittedRotationView, unwrappedKcv: string): Promise<false> {
    this.#refuse(
      rotation,
      `key check value mismatch: the unwrapped key has ${unwrappedKcv}, the ledger says ${rotation.keyCheckValue}`,
      true,
    );
    await this.#reportBadKey(rotation, 'unwrapped key does not match the committed key check value');
    return false;
  }

  #refuse(rotation: CommittedRotationView, reason: string, permanent: boolean): void {
    const key = refusalKey(rotation.queueId, rotation.version);
    const previous = this.#refused.get(key);
    this.#refused.set(key, {
      queueId: rotation.queueId,
      version: rotation.version,
      keyId: rotation.keyId,
      keyCheckValue: rotation.keyCheckValue,
      reason,
      permanent,
      at: Date.now(),
    });
    if (previous?.reason !== reason) {
      this.#metrics.versionsRefused += 1;
      this.#p.logger.error(
        { queueId: rotation.queueId, version: rotation.version, keyId: rotation.keyId, reason, permanent },
        'committed key version refused: it will not be used',
      );
    }
  }

  async #reportBadKey(rotation: CommittedRotationView, what: string): Promise<void> {
    const key = refusalKey(rotation.queueId, rotation.version);
    if (!(this.#options.reportRefusals ?? true) || this.#reported.has(key)) {
      return;
    }
    this.#reported.add(key);
    try {
      await this.#p.ledger.reportCompromise(
        rotation.queueId,
        rotation.version,
        `front-end ${this.name}: ${what}; the version cannot be used`,
      );
      this.#p.logger.warn(
        { queueId: rotation.queueId, version: rotation.version },
        'reported the refused version as compromised so that it is replaced',
      );
    } catch (error) {
      if (!(error instanceof LedgerError && error.kind === 'CONFLICT')) {
        this.#p.logger.warn({ error: errorText(error) }, 'reporting the refused version failed');
      }
    }
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
    for (const key of findKeys(this.#p.token, { keyClass: 'secret' })) {
      const match = TOKEN_LABEL.exec(key.label);
      if (!match || match[1] !== ring.queueId) {
        continue;
      }
      const version = Number(match[2]);
      if (version <= ring.floor && !ring.has(version)) {
        destroyKey(this.#p.token, key);
        this.#metrics.versionsDestroyed += 1;
        this.#p.logger.info({ queueId: ring.queueId, version }, 'stale key version destroyed from the token');
      }
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
    if (this.#stopped) {
      return;
    }
    if (
      event.eventName !== 'RotationCommitted' &&
      event.eventName !== 'KeyCompromised' &&
      event.eventName !== 'KeyPolicySet'
    ) {
      return;
    }
    let queueId: string | undefined;
    try {
      queueId = (JSON.parse(Buffer.from(event.payload).toString('utf8')) as { queueId?: string }).queueId;
    } catch {
      return;
    }
    if (queueId === undefined || (this.#options.queues && !this.#options.queues.includes(queueId))) {
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
      this.#stopped = true;
      if (this.#pollTimer !== undefined) {
        clearTimeout(this.#pollTimer);
      }
      for (const timer of this.#refreshTimers.values()) {
        clearTimeout(timer);
      }
      await this.#follower?.stop().catch(() => undefined);
      await this.#polling;
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

function refusalKey(queueId: string, version: number): string {
  return `${queueId}\u0000${version}`;
}
