import { ServiceError } from '../errors';

/**
 * Why a device refused to sign. Each is checked before any key byte is reconstructed or, for the public-key
 * check, before the key signs anything.
 */
export type DeviceRefusalCode =
  /** The device holds no K_dev yet (never enrolled) or the enrollment on the ledger is not for its key. */
  | 'not-enrolled'
  /** The device was revoked on the ledger: no epoch of it will ever be active again. */
  | 'device-revoked'
  /** No active epoch on the ledger (all invalidated, or none published). */
  | 'no-active-epoch'
  /** The epoch asked for is invalidated (superseded by a rotation, or invalidated explicitly). */
  | 'epoch-invalidated'
  /** The epoch's validUntil has passed (or its validFrom has not come). */
  | 'epoch-expired'
  /** A shard the map lists is not on the ledger (collected, or never stored). */
  | 'missing-shard'
  /** A shard's bytes do not hash to the digest in the map. */
  | 'digest-mismatch'
  /** The map's header or map digest does not match its content. */
  | 'map-digest-mismatch'
  /** A shard does not authenticate under its derived key and AAD (another device's, epoch's or position's). */
  | 'not-authentic'
  /** The reconstructed key is not the one whose public key the map publishes. */
  | 'public-key-mismatch';

export class DeviceRefusalError extends ServiceError {
  readonly code: DeviceRefusalCode;
  readonly deviceId: string;
  readonly epoch?: number;

  constructor(
    options: Readonly<{
      code: DeviceRefusalCode;
      deviceId: string;
      epoch?: number;
      message: string;
      cause?: unknown;
    }>,
  ) {
    super({
      message: options.message,
      problemType: 'conflict',
      extensions: {
        refusal: options.code,
        deviceId: options.deviceId,
        ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
      },
      cause: options.cause,
    });
    this.code = options.code;
    this.deviceId = options.deviceId;
    this.epoch = options.epoch;
  }
}

/** A shard that fails its GCM tag; the device client turns it into a 'not-authentic' refusal. */
export class ShardIntegrityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = ShardIntegrityError.name;
  }
}

/** A generator request that cannot be carried out as asked (unknown device, revoked device, bad layout). */
export class ShardGeneratorError extends ServiceError {
  constructor(
    options: Readonly<{
      message: string;
      problemType: 'invalid-request' | 'not-found' | 'conflict';
      deviceId?: string;
      cause?: unknown;
    }>,
  ) {
    super({
      message: options.message,
      problemType: options.problemType,
      extensions: options.deviceId === undefined ? {} : { deviceId: options.deviceId },
      cause: options.cause,
    });
  }
}
