import { SHARDS, type shards } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';

/** K_dev as delivered: wrapped to the device's P-256 key (ECDH-ES + AES key wrap), all base64url. */
export interface EnrollmentInput {
  readonly devicePublicKey: string;
  readonly ephemeralPublicKey: string;
  readonly wrappedKey: string;
  readonly keyCheckValue: string;
}

/** One epoch with all its encrypted shards, for PublishEpoch (one transaction). */
export interface PublishEpochInput {
  readonly deviceId: string;
  readonly epoch: number;
  readonly n: number;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly algorithm: shards.ShardKeyAlgorithm;
  readonly publicKey: string;
  readonly shards: readonly {
    readonly shardId: string;
    readonly index: number;
    readonly ciphertext: string;
  }[];
  readonly deviceOwner?: { readonly mspId: string; readonly fingerprint: string };
  readonly enrollment?: EnrollmentInput;
}

export type PublishedMap = shards.ReportedShardMap & { readonly replay?: boolean };

export interface CollectionResult {
  readonly deviceId: string;
  readonly deleted: number;
  readonly epochs: readonly number[];
}

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
      return undefined;
    }
    throw error;
  }
}

/** Typed calls of the ShardMaps contract. */
export class ShardsLedger {
  readonly #contract: ContractClient<typeof SHARDS>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, SHARDS);
  }

  publishEpoch(input: PublishEpochInput): Promise<PublishedMap> {
    return this.#contract.submit('PublishEpoch', JSON.stringify(input));
  }

  /** The active map, its shards and the enrollment, in one evaluate; undefined when no epoch is active. */
  bundle(deviceId: string): Promise<shards.ShardBundle | undefined> {
    return orUndefined(this.#contract.evaluate<shards.ShardBundle>('GetShardBundle', deviceId));
  }

  map(deviceId: string, epoch: number): Promise<shards.ReportedShardMap | undefined> {
    return orUndefined(
      this.#contract.evaluate<shards.ReportedShardMap>('GetShardMap', deviceId, String(epoch)),
    );
  }

  device(deviceId: string): Promise<shards.DeviceSummary | undefined> {
    return orUndefined(this.#contract.evaluate<shards.DeviceSummary>('GetDevice', deviceId));
  }

  enrollment(deviceId: string): Promise<shards.DeviceEnrollment | undefined> {
    return orUndefined(this.#contract.evaluate<shards.DeviceEnrollment>('GetDeviceEnrollment', deviceId));
  }

  use(deviceId: string, epoch: number): Promise<shards.ShardUseRecord | undefined> {
    return orUndefined(
      this.#contract.evaluate<shards.ShardUseRecord>('GetShardUse', deviceId, String(epoch)),
    );
  }

  recordUse(deviceId: string, epoch: number, messageDigest: string): Promise<shards.ShardUseRecord> {
    return this.#contract.submit('RecordShardUse', deviceId, String(epoch), messageDigest);
  }

  invalidate(deviceId: string, epoch: number, reason: string): Promise<shards.ShardMap> {
    return this.#contract.submit('InvalidateEpoch', deviceId, String(epoch), reason);
  }

  revoke(deviceId: string, reason: string): Promise<shards.DeviceHead> {
    return this.#contract.submit('RevokeDevice', deviceId, reason);
  }

  /** Deletes the shards of the device's epochs invalidated at or before `invalidatedBefore` (epoch ms). */
  collect(deviceId: string, invalidatedBefore: number): Promise<CollectionResult> {
    return this.#contract.submit('GarbageCollectShardsBefore', deviceId, String(invalidatedBefore));
  }
}
