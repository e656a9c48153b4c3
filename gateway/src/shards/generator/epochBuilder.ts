import { shards } from '@keyledger/chaincode/protocol';
import type { HsmToken, KeyRef } from '../../hsm';
import { segmentLayout, shardIdOf, ONE_TIME_KEY_BYTES } from '../derivation';
import { isUsableSeed, oneTimeKeyFromSeed, type OneTimeKeyAlgorithm } from '../oneTimeKey';
import { deriveStream, sealShard } from '../shardCipher';

export interface EpochSpec {
  readonly deviceId: string;
  readonly epoch: number;
  readonly n: number;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly algorithm: OneTimeKeyAlgorithm;
}

/** What the ledger gets for one epoch: the map header with the public key and the n encrypted shards. */
export interface EpochMaterial {
  readonly header: shards.ShardMapHeader;
  readonly headerDigest: string;
  readonly shards: readonly {
    readonly shardId: string;
    readonly index: number;
    readonly ciphertext: string;
  }[];
}

/**
 * Builds an epoch from K_dev: the stream, its segments sealed under their shard keys, and the one-time key's
 * public half. The stream and the key exist in memory only inside this call and are zeroed before it returns.
 * Undefined when the stream is not a private key of the algorithm (P-256 only, probability below 2⁻³²): the
 * generator then publishes the next epoch number instead.
 */
export function buildEpoch(token: HsmToken, deviceKey: KeyRef, spec: EpochSpec): EpochMaterial | undefined {
  const layout = segmentLayout(spec.n);
  const stream = deriveStream(token, deviceKey, spec.epoch, layout);
  try {
    const seed = Buffer.from(stream.subarray(0, ONE_TIME_KEY_BYTES));
    if (!isUsableSeed(spec.algorithm, seed)) {
      seed.fill(0);
      return undefined;
    }
    const key = oneTimeKeyFromSeed(spec.algorithm, seed);
    const publicKey = key.publicKey.toString('base64url');
    key.wipe();
    const header: shards.ShardMapHeader = {
      deviceId: spec.deviceId,
      epoch: spec.epoch,
      n: spec.n,
      validFrom: spec.validFrom,
      validUntil: spec.validUntil,
      algorithm: spec.algorithm,
      publicKey,
    };
    const headerDigest = shards.shardMapHeaderDigest(header);
    const sealed = Array.from({ length: spec.n }, (_, index) => {
      const segment = stream.subarray(index * layout.segmentBytes, (index + 1) * layout.segmentBytes);
      const position = { deviceId: spec.deviceId, epoch: spec.epoch, index, headerDigest };
      return {
        shardId: shardIdOf(index),
        index,
        ciphertext: sealShard(token, deviceKey, position, segment).toString('base64'),
      };
    });
    return { header, headerDigest, shards: sealed };
  } finally {
    stream.fill(0);
  }
}
