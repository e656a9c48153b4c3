import { timingSafeEqual } from 'node:crypto';
import { sha256Hex, shards } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import {
  destroyKey,
  findKey,
  hmacKeyCheckValue,
  unwrapKeyFromSender,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { loadWrappingKey, type WrappingKey } from '../../participant';
import { deviceKeyWrapContext, segmentLayout } from '../derivation';
import { DeviceRefusalError, ShardIntegrityError, type DeviceRefusalCode } from '../errors';
import type { ShardsLedger } from '../ledger';
import { oneTimeKeyFromSeed, type OneTimeKeyAlgorithm } from '../oneTimeKey';
import { openShard } from '../shardCipher';
import { messageDigestOf, type DeviceSignature } from './signature';

export const DEVICE_WRAPPING_KEY_LABEL = 'keyledger-device/wrap';
export const DEVICE_KEY_LABEL = 'keyledger-device/kdev';

export interface DeviceClientOptions {
  readonly deviceId: string;
  /** The device's own token: its wrapping key pair and, once enrolled, K_dev. */
  readonly token: HsmToken;
  /** The ledger as the device's own identity. */
  readonly ledger: ShardsLedger;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface SignOptions {
  /** Sign with this epoch only (default: the active one). An epoch that is not active is refused. */
  readonly epoch?: number;
  /** Report the use on the ledger (RecordShardUse) before returning (default true). */
  readonly reportUse?: boolean;
}

export interface SignResult {
  readonly signature: DeviceSignature;
  /** The ledger's record of the use, when it was reported. */
  readonly use?: shards.ShardUseRecord;
}

function refuse(
  code: DeviceRefusalCode,
  deviceId: string,
  message: string,
  epoch?: number,
  cause?: unknown,
): never {
  throw new DeviceRefusalError({ code, deviceId, message, epoch, cause });
}

/**
 * A device: takes its K_dev from the ledger once (wrapped to its own token's key), and for every signature
 * fetches the active map and its shards in one evaluate, checks them, rebuilds the epoch's one-time key from
 * the shards in its token, signs, and wipes the key. Every refusal happens before anything is signed.
 */
export class DeviceClient {
  readonly deviceId: string;
  readonly #token: HsmToken;
  readonly #ledger: ShardsLedger;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #wrapping: WrappingKey;
  #deviceKey: KeyRef | undefined;

  constructor(options: DeviceClientOptions) {
    this.deviceId = options.deviceId;
    this.#token = options.token;
    this.#ledger = options.ledger;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#wrapping = loadWrappingKey(options.token, DEVICE_WRAPPING_KEY_LABEL, options.logger);
    this.#deviceKey = findKey(options.token, { keyClass: 'secret', label: DEVICE_KEY_LABEL });
  }

  /** The device's P-256 key-wrapping public point: what the operator provisions the device with. */
  get publicKey(): Buffer {
    return this.#wrapping.point;
  }

  get enrolled(): boolean {
    return this.#deviceKey !== undefined;
  }

  /**
   * Unwraps K_dev from the enrollment on the ledger into the token (sensitive, non-extractable, a token
   * object) and checks its key check value. Does nothing when the device already holds it.
   */
  async enrol(): Promise<{ enrolled: boolean; fresh: boolean }> {
    // Another process of the same device (its CLI beside its agent) may have enrolled it since this one looked.
    this.#deviceKey ??= findKey(this.#token, { keyClass: 'secret', label: DEVICE_KEY_LABEL });
    if (this.#deviceKey) {
      return { enrolled: true, fresh: false };
    }
    const enrollment = await this.#ledger.enrollment(this.deviceId);
    if (!enrollment) {
      refuse('not-enrolled', this.deviceId, `device ${this.deviceId} has no enrollment on the ledger yet`);
    }
    const ours = this.#wrapping.point.toString('base64url');
    if (enrollment.devicePublicKey !== ours) {
      refuse(
        'not-enrolled',
        this.deviceId,
        `the enrollment of device ${this.deviceId} is for another device key`,
      );
    }
    let key: KeyRef;
    try {
      key = unwrapKeyFromSender(
        this.#token,
        this.#wrapping.privateKey,
        {
          ephemeralPublicKey: Buffer.from(enrollment.ephemeralPublicKey, 'base64url'),
          wrappedKey: Buffer.from(enrollment.wrappedKey, 'base64url'),
        },
        {
          label: DEVICE_KEY_LABEL,
          persistent: true,
          recipientPoint: this.#wrapping.point,
          context: deviceKeyWrapContext(this.deviceId),
          kind: 'hmac',
        },
      );
    } catch (error) {
      refuse(
        'not-enrolled',
        this.deviceId,
        `the wrapped key of device ${this.deviceId} does not unwrap with this device's key`,
        undefined,
        error,
      );
    }
    if (hmacKeyCheckValue(this.#token, key) !== enrollment.keyCheckValue) {
      destroyKey(this.#token, key);
      refuse(
        'not-enrolled',
        this.deviceId,
        `the unwrapped key of device ${this.deviceId} does not match its key check value`,
      );
    }
    this.#deviceKey = key;
    this.#logger.info({ deviceId: this.deviceId }, 'device key received and kept in the token');
    return { enrolled: true, fresh: true };
  }

  /** The active epoch's map and shards, checked; the epoch the device would sign with. */
  async currentEpoch(): Promise<shards.ReportedShardMap> {
    const bundle = await this.#bundle();
    return bundle.map;
  }

  async #bundle(epoch?: number): Promise<shards.ShardBundle> {
    const bundle = await this.#ledger.bundle(this.deviceId);
    if (!bundle) {
      const summary = await this.#ledger.device(this.deviceId);
      if (summary?.head.revoked) {
        refuse(
          'device-revoked',
          this.deviceId,
          `device ${this.deviceId} was revoked: ${summary.head.revoked.reason}`,
        );
      }
      if (epoch !== undefined) {
        await this.#refuseInactive(epoch);
      }
      refuse('no-active-epoch', this.deviceId, `device ${this.deviceId} has no active epoch on the ledger`);
    }
    if (epoch !== undefined && bundle.map.epoch !== epoch) {
      await this.#refuseInactive(epoch);
    }
    this.#checkStatus(bundle.map);
    return bundle;
  }

  async #refuseInactive(epoch: number): Promise<never> {
    const map = await this.#ledger.map(this.deviceId, epoch);
    if (!map) {
      refuse('no-active-epoch', this.deviceId, `device ${this.deviceId} has no epoch ${epoch}`, epoch);
    }
    this.#checkStatus(map);
    refuse(
      'epoch-invalidated',
      this.deviceId,
      `epoch ${epoch} of device ${this.deviceId} is not the active epoch`,
      epoch,
    );
  }

  #checkStatus(map: shards.ReportedShardMap): void {
    const status = map.status;
    const now = this.#now();
    if (status === 'invalidated') {
      refuse(
        'epoch-invalidated',
        this.deviceId,
        `epoch ${map.epoch} of device ${this.deviceId} was invalidated (${map.invalidatedReason ?? 'no reason'})`,
        map.epoch,
      );
    }
    if (status === 'expired' || now >= map.validUntil || now < map.validFrom) {
      refuse(
        'epoch-expired',
        this.deviceId,
        `epoch ${map.epoch} of device ${this.deviceId} is valid from ${new Date(map.validFrom).toISOString()} until ${new Date(map.validUntil).toISOString()}`,
        map.epoch,
      );
    }
  }

  /** Checks digests, rebuilds the one-time key in memory and hands it to `use`; the key is wiped after. */
  #withOneTimeKey<T>(bundle: shards.ShardBundle, use: (key: ReturnType<typeof oneTimeKeyFromSeed>) => T): T {
    const deviceKey = this.#deviceKey;
    if (!deviceKey) {
      refuse('not-enrolled', this.deviceId, `device ${this.deviceId} holds no device key: enrol it first`);
    }
    const { map } = bundle;
    const epoch = map.epoch;
    if (!map.algorithm || !map.publicKey) {
      refuse(
        'map-digest-mismatch',
        this.deviceId,
        `epoch ${epoch} of device ${this.deviceId} publishes no public key`,
        epoch,
      );
    }
    const header: shards.ShardMapHeader = {
      deviceId: map.deviceId,
      epoch,
      n: map.n,
      validFrom: map.validFrom,
      validUntil: map.validUntil,
      algorithm: map.algorithm,
      publicKey: map.publicKey,
    };
    const headerDigest = shards.shardMapHeaderDigest(header);
    if (
      map.deviceId !== this.deviceId ||
      headerDigest !== map.headerDigest ||
      shards.shardMapDigest(header, map.shards) !== map.mapDigest ||
      map.shards.length !== map.n
    ) {
      refuse(
        'map-digest-mismatch',
        this.deviceId,
        `the map of epoch ${epoch} of device ${this.deviceId} does not match its digests`,
        epoch,
      );
    }
    const byId = new Map(bundle.shards.map((stored) => [stored.shardId, stored]));
    const sealed = map.shards.map((entry) => {
      const stored = byId.get(entry.shardId);
      if (!stored || stored.epoch !== epoch || stored.index !== entry.index) {
        refuse(
          'missing-shard',
          this.deviceId,
          `shard ${entry.shardId} (index ${entry.index}) of epoch ${epoch} is not on the ledger`,
          epoch,
        );
      }
      const bytes = Buffer.from(stored.ciphertext, 'base64');
      if (sha256Hex(bytes) !== entry.digest) {
        refuse(
          'digest-mismatch',
          this.deviceId,
          `shard ${entry.shardId} (index ${entry.index}) of epoch ${epoch} does not hash to its digest in the map`,
          epoch,
        );
      }
      return { index: entry.index, bytes };
    });
    const layout = segmentLayout(map.n);
    const stream = Buffer.alloc(layout.streamBytes);
    let key: ReturnType<typeof oneTimeKeyFromSeed> | undefined;
    try {
      for (const shard of sealed) {
        const position = { deviceId: this.deviceId, epoch, index: shard.index, headerDigest };
        let segment: Buffer;
        try {
          segment = openShard(this.#token, deviceKey, position, shard.bytes);
        } catch (error) {
          if (error instanceof ShardIntegrityError) {
            refuse('not-authentic', this.deviceId, error.message, epoch, error);
          }
          throw error;
        }
        try {
          if (segment.length !== layout.segmentBytes) {
            refuse(
              'not-authentic',
              this.deviceId,
              `shard ${shard.index} of epoch ${epoch} has the wrong length`,
              epoch,
            );
          }
          segment.copy(stream, shard.index * layout.segmentBytes);
        } finally {
          segment.fill(0);
        }
      }
      const seed = Buffer.from(stream.subarray(0, 32));
      try {
        key = oneTimeKeyFromSeed(map.algorithm as OneTimeKeyAlgorithm, seed);
      } catch (error) {
        refuse(
          'public-key-mismatch',
          this.deviceId,
          `the shards of epoch ${epoch} do not form a ${map.algorithm} key`,
          epoch,
          error,
        );
      }
      const published = Buffer.from(map.publicKey, 'base64url');
      if (published.length !== key.publicKey.length || !timingSafeEqual(published, key.publicKey)) {
        refuse(
          'public-key-mismatch',
          this.deviceId,
          `the key rebuilt from epoch ${epoch}'s shards is not the one its map publishes`,
          epoch,
        );
      }
      return use(key);
    } finally {
      key?.wipe();
      stream.fill(0);
    }
  }

  /**
   * Rebuilds the active epoch's key and checks it against the map without signing anything: what the device's
   * authentication cycle does to pick up a new epoch.
   */
  async check(): Promise<shards.ReportedShardMap> {
    const bundle = await this.#bundle();
    this.#withOneTimeKey(bundle, () => undefined);
    return bundle.map;
  }

  async sign(message: Uint8Array, options: SignOptions = {}): Promise<SignResult> {
    const bundle = await this.#bundle(options.epoch);
    const { map } = bundle;
    const signedAt = this.#now();
    const raw = this.#withOneTimeKey(bundle, (key) => key.sign(message));
    const signature: DeviceSignature = {
      deviceId: this.deviceId,
      epoch: map.epoch,
      algorithm: map.algorithm as OneTimeKeyAlgorithm,
      signedAt,
      messageDigest: messageDigestOf(message),
      signature: raw.toString('base64url'),
    };
    if (options.reportUse === false) {
      return { signature };
    }
    const use = await this.#ledger.recordUse(this.deviceId, map.epoch, signature.messageDigest);
    return { signature, use };
  }
}
