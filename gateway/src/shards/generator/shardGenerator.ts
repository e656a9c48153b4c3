import type { shards } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import type { HsmToken, KeyRef } from '../../hsm';
import { MAX_SEGMENTS } from '../derivation';
import { ShardGeneratorError } from '../errors';
import type { ShardsLedger, PublishedMap, CollectionResult } from '../ledger';
import type { OneTimeKeyAlgorithm } from '../oneTimeKey';
import { DeviceKeys, loadMasterKey } from './deviceKeys';
import { buildEpoch } from './epochBuilder';

/** How a fleet's epochs are cut and kept. */
export interface ShardPolicy {
  /** Shards per epoch (1..32; default 4). */
  readonly n: number;
  readonly algorithm: OneTimeKeyAlgorithm;
  /** How long an epoch is valid. */
  readonly epochMs: number;
  /** The next epoch is published this long before the active one's validUntil. */
  readonly leadMs: number;
  /** An invalidated epoch's shards are collected this long after its invalidation. */
  readonly retentionMs: number;
}

export const DEFAULT_SHARD_POLICY: ShardPolicy = {
  n: 4,
  algorithm: 'Ed25519',
  epochMs: 24 * 3_600_000,
  leadMs: 3_600_000,
  retentionMs: 3_600_000,
};

export interface ProvisionRequest {
  readonly deviceId: string;
  /** The device's own P-256 key-wrapping public point (65 bytes, uncompressed). */
  readonly devicePublicKey: Buffer;
  /** The device's ledger identity, bound to its maps: only it may read them and report use. */
  readonly deviceOwner?: { readonly mspId: string; readonly fingerprint: string };
  readonly n?: number;
  readonly algorithm?: OneTimeKeyAlgorithm;
}

export interface ProvisionResult {
  readonly deviceId: string;
  readonly epoch: number;
  readonly map: PublishedMap;
  /** true when the device was already provisioned this way (a retry): nothing was written. */
  readonly replay: boolean;
}

export interface ShardGeneratorOptions {
  readonly token: HsmToken;
  readonly ledger: ShardsLedger;
  readonly logger: Logger;
  readonly policy?: Partial<ShardPolicy>;
  /** The clock (tests move it); the ledger's own clock is the transaction timestamp. */
  readonly now?: () => number;
}

function checkLayout(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENTS) {
    throw new ShardGeneratorError({
      message: `n must be an integer from 1 to ${MAX_SEGMENTS} (each shard holds at least one byte of the 32-byte key), got ${n}`,
      problemType: 'invalid-request',
    });
  }
}

/**
 * The shard generator: holds the fleet master key and every device's K_dev in its token, provisions devices
 * (K_dev delivered wrapped to the device's key, epoch 1 published in the same transaction), publishes later
 * epochs, revokes devices and collects invalidated shards. Nothing it sends to the ledger is secret.
 */
export class ShardGenerator {
  readonly policy: ShardPolicy;
  readonly #token: HsmToken;
  readonly #ledger: ShardsLedger;
  readonly #logger: Logger;
  readonly #keys: DeviceKeys;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: ShardGeneratorOptions) {
    this.policy = { ...DEFAULT_SHARD_POLICY, ...options.policy };
    checkLayout(this.policy.n);
    this.#token = options.token;
    this.#ledger = options.ledger;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    const master = loadMasterKey(options.token);
    if (master.created) {
      this.#logger.info('created the fleet master key in the token');
    }
    this.#keys = new DeviceKeys(options.token, master.key);
  }

  get ledger(): ShardsLedger {
    return this.#ledger;
  }

  /** Devices this generator holds a K_dev for (provisioned and not revoked). */
  deviceIds(): string[] {
    return this.#keys.deviceIds();
  }

  /** One operation at a time per device: a rotation and a revocation of the same device never interleave. */
  async #serial<T>(deviceId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#inFlight.get(deviceId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(run);
    this.#inFlight.set(deviceId, next);
    try {
      return await next;
    } finally {
      if (this.#inFlight.get(deviceId) === next) {
        this.#inFlight.delete(deviceId);
      }
    }
  }

  provision(request: ProvisionRequest): Promise<ProvisionResult> {
    return this.#serial(request.deviceId, () => this.#provision(request));
  }

  async #provision(request: ProvisionRequest): Promise<ProvisionResult> {
    const n = request.n ?? this.policy.n;
    checkLayout(n);
    const point = request.devicePublicKey;
    if (point.length !== 65 || point[0] !== 0x04) {
      throw new ShardGeneratorError({
        message: 'devicePublicKey must be an uncompressed P-256 point (65 bytes starting 0x04)',
        problemType: 'invalid-request',
        deviceId: request.deviceId,
      });
    }
    const summary = await this.#ledger.device(request.deviceId);
    if (summary?.head.revoked) {
      throw new ShardGeneratorError({
        message: `device ${request.deviceId} was revoked; a revoked device id is never provisioned again`,
        problemType: 'conflict',
        deviceId: request.deviceId,
      });
    }
    if (summary?.enrollment) {
      if (
        summary.enrollment.devicePublicKey === point.toString('base64url') &&
        this.#keys.find(request.deviceId)
      ) {
        const epoch = summary.head.activeEpoch ?? summary.head.latestEpoch;
        const map = await this.#ledger.map(request.deviceId, epoch);
        if (map) {
          return { deviceId: request.deviceId, epoch, map, replay: true };
        }
      }
      throw new ShardGeneratorError({
        message: `device ${request.deviceId} is already provisioned${summary.enrollment.devicePublicKey === point.toString('base64url') ? '' : ' for another device key'}`,
        problemType: 'conflict',
        deviceId: request.deviceId,
      });
    }
    const { key, enrollment } = this.#keys.provision(request.deviceId, point);
    const map = await this.#publish(key, {
      deviceId: request.deviceId,
      epoch: (summary?.head.latestEpoch ?? 0) + 1,
      n,
      algorithm: request.algorithm ?? this.policy.algorithm,
      deviceOwner: request.deviceOwner,
      enrollment,
    });
    this.#logger.info({ deviceId: request.deviceId, epoch: map.epoch, n }, 'device provisioned');
    return { deviceId: request.deviceId, epoch: map.epoch, map, replay: map.replay === true };
  }

  /** Publishes the device's next epoch; the ledger invalidates the one it supersedes in the same transaction. */
  rotate(
    deviceId: string,
    options: Readonly<{ n?: number; algorithm?: OneTimeKeyAlgorithm }> = {},
  ): Promise<PublishedMap> {
    return this.#serial(deviceId, async () => {
      const key = this.#keys.find(deviceId);
      const summary = await this.#ledger.device(deviceId);
      if (!summary || !key) {
        throw new ShardGeneratorError({
          message: summary?.head.revoked
            ? `device ${deviceId} is revoked`
            : `device ${deviceId} is not provisioned by this generator`,
          problemType: summary?.head.revoked ? 'conflict' : 'not-found',
          deviceId,
        });
      }
      if (summary.head.revoked) {
        throw new ShardGeneratorError({
          message: `device ${deviceId} is revoked`,
          problemType: 'conflict',
          deviceId,
        });
      }
      const n = options.n ?? this.policy.n;
      checkLayout(n);
      const map = await this.#publish(key, {
        deviceId,
        epoch: summary.head.latestEpoch + 1,
        n,
        algorithm: options.algorithm ?? this.policy.algorithm,
      });
      this.#logger.info(
        { deviceId, epoch: map.epoch, superseded: summary.head.activeEpoch ?? null },
        'epoch published',
      );
      return map;
    });
  }

  async #publish(
    key: KeyRef,
    spec: Readonly<{
      deviceId: string;
      epoch: number;
      n: number;
      algorithm: OneTimeKeyAlgorithm;
      deviceOwner?: ProvisionRequest['deviceOwner'];
      enrollment?: Parameters<ShardsLedger['publishEpoch']>[0]['enrollment'];
    }>,
  ): Promise<PublishedMap> {
    const validFrom = this.#now();
    for (let epoch = spec.epoch; ; epoch += 1) {
      const material = buildEpoch(this.#token, key, {
        deviceId: spec.deviceId,
        epoch,
        n: spec.n,
        validFrom,
        validUntil: validFrom + this.policy.epochMs,
        algorithm: spec.algorithm,
      });
      if (!material) {
        this.#logger.warn(
          { deviceId: spec.deviceId, epoch },
          'epoch stream is not a P-256 key; skipping the epoch number',
        );
        continue;
      }
      return this.#ledger.publishEpoch({
        deviceId: spec.deviceId,
        epoch,
        n: spec.n,
        validFrom: material.header.validFrom,
        validUntil: material.header.validUntil,
        algorithm: spec.algorithm,
        publicKey: material.header.publicKey ?? '',
        shards: material.shards,
        ...(spec.deviceOwner ? { deviceOwner: spec.deviceOwner } : {}),
        ...(spec.enrollment ? { enrollment: spec.enrollment } : {}),
      });
    }
  }

  /**
   * Revokes a device: RevokeDevice on the ledger (its active epoch invalidated, no epoch ever published again)
   * and then its K_dev destroyed in the token. A device unknown to the ledger is refused.
   */
  revoke(deviceId: string, reason: string): Promise<{ head: shards.DeviceHead; keyDestroyed: boolean }> {
    return this.#serial(deviceId, async () => {
      const summary = await this.#ledger.device(deviceId);
      if (!summary) {
        throw new ShardGeneratorError({
          message: `device ${deviceId} is unknown to the ledger`,
          problemType: 'not-found',
          deviceId,
        });
      }
      const head = summary.head.revoked ? summary.head : await this.#ledger.revoke(deviceId, reason);
      const keyDestroyed = this.#keys.destroy(deviceId);
      this.#logger.info({ deviceId, keyDestroyed }, 'device revoked');
      return { head, keyDestroyed };
    });
  }

  /**
   * After a device was revoked on the ledger by someone else (RevokeDevice as the caller), destroys its K_dev.
   * Refused while the ledger does not show the device revoked: a key is destroyed only for a recorded reason.
   */
  forgetRevoked(deviceId: string): Promise<{ keyDestroyed: boolean }> {
    return this.#serial(deviceId, async () => {
      const summary = await this.#ledger.device(deviceId);
      if (!summary?.head.revoked) {
        throw new ShardGeneratorError({
          message: `device ${deviceId} is not revoked on the ledger; its key is kept`,
          problemType: 'conflict',
          deviceId,
        });
      }
      const keyDestroyed = this.#keys.destroy(deviceId);
      this.#logger.info({ deviceId, keyDestroyed }, 'revoked device key destroyed');
      return { keyDestroyed };
    });
  }

  /** Collects the device's epochs invalidated at least the retention period ago. */
  collect(deviceId: string, retentionMs = this.policy.retentionMs): Promise<CollectionResult> {
    return this.#serial(deviceId, () => this.#ledger.collect(deviceId, this.#now() - retentionMs));
  }
}
