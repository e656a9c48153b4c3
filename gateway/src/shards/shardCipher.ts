import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  hkdfExpand,
  isGcmTagFailure,
  withEphemeralSecret,
  type HsmToken,
  type KeyRef,
} from '../hsm';
import {
  shardAad,
  shardIv,
  shardKeyInfo,
  streamInfo,
  type SegmentLayout,
  type ShardPosition,
} from './derivation';
import { ShardIntegrityError } from './errors';

/**
 * A shard key derived from K_dev in the token, imported back as a session AES key for the one GCM operation,
 * then destroyed and its bytes zeroed: derived shard keys are never stored.
 */
function withShardKey<T>(
  token: HsmToken,
  deviceKey: KeyRef,
  position: ShardPosition,
  use: (key: KeyRef) => T,
): T {
  const value = hkdfExpand(token, deviceKey, shardKeyInfo(position.epoch, position.index), 32);
  return withEphemeralSecret(token, value, { label: 'keyledger-shard-key', kind: 'aes' }, use);
}

/** shard_i = AES-256-GCM(K_shard,i, iv_i, segment, AAD_i), as ciphertext ‖ tag (the nonce is derived). */
export function sealShard(
  token: HsmToken,
  deviceKey: KeyRef,
  position: ShardPosition,
  segment: Buffer,
): Buffer {
  return withShardKey(
    token,
    deviceKey,
    position,
    (key) => aesGcmEncrypt(token, key, segment, shardAad(position), shardIv(position)).ciphertext,
  );
}

/** The segment of one shard; a shard that is not this device's, epoch's, position's or map's fails its tag. */
export function openShard(
  token: HsmToken,
  deviceKey: KeyRef,
  position: ShardPosition,
  sealed: Buffer,
): Buffer {
  try {
    return withShardKey(token, deviceKey, position, (key) =>
      aesGcmDecrypt(token, key, { iv: shardIv(position), ciphertext: sealed }, shardAad(position)),
    );
  } catch (error) {
    if (isGcmTagFailure(error)) {
      throw new ShardIntegrityError(
        `shard ${position.index} of device ${position.deviceId} epoch ${position.epoch} does not authenticate (wrong device, epoch, position or map, or altered)`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** stream_e from K_dev, n·s bytes; the caller wipes it. */
export function deriveStream(
  token: HsmToken,
  deviceKey: KeyRef,
  epoch: number,
  layout: SegmentLayout,
): Buffer {
  return hkdfExpand(token, deviceKey, streamInfo(epoch), layout.streamBytes);
}
