import type {
  DeviceHead,
  DeviceSummary,
  ShardBundle,
  ShardMap,
  ShardUseRecord,
} from '../../src/protocol/shards';
import type { ChaincodeHarness } from '../support/harness';
import {
  C,
  type Cast,
  createCast,
  DAY,
  DEVICE,
  enrollment,
  epochBody,
  epochShards,
  newHarness,
  owner,
  publishEpoch,
  sha256,
} from './fixture';

let cast: Cast;
let harness: ChaincodeHarness;

beforeAll(async () => {
  cast = await createCast();
});

beforeEach(() => {
  harness = newHarness(cast);
});

function body(epoch: number, overrides: Record<string, unknown> = {}, n = 2): Record<string, unknown> {
  return epochBody(harness, cast, epoch, epochShards(n, epoch), overrides);
}

async function publish(epoch: number, overrides: Record<string, unknown> = {}): Promise<ShardMap> {
  return (await publishEpoch(harness, cast.providerA, body(epoch, overrides))).value;
}

function shardKeysOf(epoch: number): string[] {
  const prefix = `\u0000shard.shard\u0000${DEVICE}\u0000${String(epoch).padStart(16, '0')}\u0000`;
  return harness.ledger.keys().filter((key) => key.startsWith(prefix));
}

describe('GetShardBundle', () => {
  it('says why there is no active map: unknown, invalidated, revoked', async () => {
    await expect(harness.evaluate(cast.device, `${C}:GetShardBundle`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\] device device-42 has no active shard map$/,
    );
    await publish(1);
    await harness.submit(cast.device, `${C}:InvalidateEpoch`, DEVICE, '1', 'reset');
    await expect(harness.evaluate(cast.device, `${C}:GetShardBundle`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\] device device-42 has no active shard map$/,
    );
    await publish(2);
    await harness.submit(cast.admin, `${C}:RevokeDevice`, DEVICE, 'stolen');
    await expect(harness.evaluate(cast.device, `${C}:GetShardBundle`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\] device device-42 has no active shard map \(the device was revoked: stolen\)/,
    );
  });

  it('reports an expired map as expired, with its shards', async () => {
    await publish(1, { validUntil: harness.now + DAY });
    harness.advance(2 * DAY);
    const bundle = (await harness.evaluate<ShardBundle>(cast.device, `${C}:GetShardBundle`, DEVICE)).value;
    expect(bundle.map.status).toBe('expired');
    expect(bundle.shards).toHaveLength(2);
  });

  it('lists the shards a two-step map has so far, by index', async () => {
    const digests = ['a', 'b', 'c'].map((text) => sha256(text));
    await harness.submit(
      cast.providerA,
      `${C}:PublishShardMap`,
      JSON.stringify({
        deviceId: DEVICE,
        epoch: 1,
        n: 3,
        shards: digests.map((digest, index) => ({ shardId: `s${index}`, index, digest })),
        validFrom: harness.now,
        validUntil: harness.now + DAY,
      }),
    );
    for (const [index, text] of [
      [2, 'c'],
      [0, 'a'],
    ] as const) {
      await harness.submit(
        cast.providerA,
        `${C}:PutEncryptedShard`,
        JSON.stringify({
          deviceId: DEVICE,
          epoch: 1,
          shardId: `s${index}`,
          ciphertext: Buffer.from(text).toString('base64'),
        }),
      );
    }
    const bundle = (await harness.evaluate<ShardBundle>(cast.otherDevice, `${C}:GetShardBundle`, DEVICE))
      .value;
    expect(bundle.shards.map((shard) => shard.index)).toEqual([0, 2]);
    expect(bundle.map.headerDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets only the bound owner among devices read it', async () => {
    await publish(1);
    for (const reader of [cast.admin, cast.auditor, cast.providerB, cast.device]) {
      expect(
        (await harness.evaluate<ShardBundle>(reader, `${C}:GetShardBundle`, DEVICE)).value.map.epoch,
      ).toBe(1);
    }
    await expect(harness.evaluate(cast.otherDevice, `${C}:GetShardBundle`, DEVICE)).rejects.toThrow(
      /^\[FORBIDDEN\] only device device-42's own identity/,
    );
    for (const outsider of [cast.signer, cast.stranger]) {
      await expect(harness.evaluate(outsider, `${C}:GetShardBundle`, DEVICE)).rejects.toThrow(
        /^\[FORBIDDEN\]/,
      );
    }
    await expect(harness.evaluate(cast.device, `${C}:GetShardBundle`, 'bad id')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
  });
});

describe('GetDeviceEnrollment / GetDevice', () => {
  it('lists the epochs of a device without shard lists, with its head and enrollment', async () => {
    const enrolled = enrollment();
    const first = await publish(1, { enrollment: enrolled });
    await publish(2);
    await harness.submit(cast.providerA, `${C}:InvalidateEpoch`, DEVICE, '2', 'shard exposed');
    await harness.submit(cast.providerA, `${C}:GarbageCollectShards`, DEVICE);
    const third = await publish(4, { validUntil: harness.now + DAY });
    harness.advance(2 * DAY);
    const { value } = await harness.evaluate<DeviceSummary>(cast.device, `${C}:GetDevice`, DEVICE);
    expect(value.head).toMatchObject({
      deviceId: DEVICE,
      latestEpoch: 4,
      activeEpoch: 4,
      publisherMspId: 'Org1MSP',
      deviceOwner: owner(cast.device),
      enrolled: true,
    });
    expect(value.enrollment).toMatchObject({ deviceId: DEVICE, ...enrolled, txId: first.txId });
    expect(value.epochs).toEqual([
      {
        epoch: 1,
        status: 'invalidated',
        validFrom: first.validFrom,
        validUntil: first.validUntil,
        publishedAt: first.publishedAt,
        invalidatedAt: expect.any(Number) as number,
        invalidatedReason: 'superseded',
        collectedAt: expect.any(Number) as number,
        collectedShards: 2,
      },
      expect.objectContaining({ epoch: 2, status: 'invalidated', invalidatedReason: 'shard exposed' }),
      {
        epoch: 4,
        status: 'expired',
        validFrom: third.validFrom,
        validUntil: third.validUntil,
        publishedAt: third.publishedAt,
      },
    ]);
    expect(value.epochs.some((epoch) => 'shards' in epoch)).toBe(false);
  });

  it('lets admins, auditors, providers and the bound owner read; not another device', async () => {
    await publish(1, { enrollment: enrollment() });
    for (const reader of [cast.admin, cast.auditor, cast.providerB, cast.device]) {
      await harness.evaluate(reader, `${C}:GetDeviceEnrollment`, DEVICE);
      await harness.evaluate(reader, `${C}:GetDevice`, DEVICE);
    }
    for (const outsider of [cast.otherDevice, cast.signer, cast.stranger]) {
      await expect(harness.evaluate(outsider, `${C}:GetDeviceEnrollment`, DEVICE)).rejects.toThrow(
        /^\[FORBIDDEN\]/,
      );
      await expect(harness.evaluate(outsider, `${C}:GetDevice`, DEVICE)).rejects.toThrow(/^\[FORBIDDEN\]/);
    }
    await expect(harness.evaluate(cast.admin, `${C}:GetDevice`, 'device-0')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    await expect(harness.evaluate(cast.admin, `${C}:GetDeviceEnrollment`, 'device-0')).rejects.toThrow(
      /^\[NOT_FOUND\] device device-0 is not enrolled/,
    );
  });

  it('lets any device read a device without a bound owner', async () => {
    await publish(1, { deviceOwner: undefined, enrollment: enrollment() });
    expect(
      (await harness.evaluate<DeviceSummary>(cast.otherDevice, `${C}:GetDevice`, DEVICE)).value.epochs,
    ).toHaveLength(1);
    await harness.evaluate(cast.otherDevice, `${C}:GetDeviceEnrollment`, DEVICE);
  });
});

describe('RecordShardUse / GetShardUse', () => {
  const m1 = sha256('message 1');
  const m2 = sha256('message 2');

  it('counts uses of the active epoch key, keeping the first use time', async () => {
    await publish(1);
    await expect(harness.evaluate(cast.auditor, `${C}:GetShardUse`, DEVICE, '1')).rejects.toThrow(
      /^\[NOT_FOUND\] use record of device device-42's key for epoch 1 not found/,
    );
    const first = await harness.submit<ShardUseRecord & { replay: boolean }>(
      cast.device,
      `${C}:RecordShardUse`,
      DEVICE,
      '1',
      m1,
    );
    expect(first.value).toEqual({
      deviceId: DEVICE,
      epoch: 1,
      uses: 1,
      firstUsedAt: harness.now,
      lastUsedAt: harness.now,
      lastMessageDigest: m1,
      lastTxId: first.txId,
      replay: false,
    });
    expect(first.event).toEqual({
      name: 'ShardKeyUsed',
      payload: { deviceId: DEVICE, epoch: 1, messageDigest: m1, uses: 1, txId: first.txId },
    });
    const firstAt = harness.now;
    const second = await harness.submit<ShardUseRecord>(cast.device, `${C}:RecordShardUse`, DEVICE, '1', m2);
    expect(second.value).toMatchObject({
      uses: 2,
      firstUsedAt: firstAt,
      lastUsedAt: harness.now,
      lastMessageDigest: m2,
    });
    const read = await harness.evaluate<ShardUseRecord>(cast.auditor, `${C}:GetShardUse`, DEVICE, '1');
    expect(read.value).toEqual({ ...second.value, replay: undefined });
  });

  it('takes the same message again for a retry: nothing written, not counted twice', async () => {
    await publish(1);
    await harness.submit(cast.device, `${C}:RecordShardUse`, DEVICE, '1', m1);
    const before = JSON.stringify(harness.ledger.dump());
    const retry = await harness.submit<ShardUseRecord & { replay: boolean }>(
      cast.device,
      `${C}:RecordShardUse`,
      DEVICE,
      '1',
      m1,
    );
    expect(retry.value).toMatchObject({ uses: 1, replay: true });
    expect(retry.event).toBeUndefined();
    expect(JSON.stringify(harness.ledger.dump())).toBe(before);
  });

  it('refuses invalidated and expired epochs, naming the status', async () => {
    await publish(1);
    await publish(2, { validUntil: harness.now + DAY });
    expect(
      await harness.expectRejected(cast.device, `${C}:RecordShardUse`, [DEVICE, '1', m1], 'CONFLICT'),
    ).toMatch(/shard map of device device-42 for epoch 1 is invalidated/);
    harness.advance(2 * DAY);
    expect(
      await harness.expectRejected(cast.device, `${C}:RecordShardUse`, [DEVICE, '2', m1], 'CONFLICT'),
    ).toMatch(/for epoch 2 is expired/);
    await harness.expectRejected(cast.device, `${C}:RecordShardUse`, [DEVICE, '3', m1], 'NOT_FOUND');
  });

  it('is for the bound device owner only, with a SHA-256 digest', async () => {
    await publish(1);
    expect(
      await harness.expectRejected(cast.otherDevice, `${C}:RecordShardUse`, [DEVICE, '1', m1], 'FORBIDDEN'),
    ).toMatch(/only device device-42's own identity may record uses/);
    for (const who of [cast.admin, cast.providerA, cast.auditor, cast.stranger]) {
      await harness.expectRejected(who, `${C}:RecordShardUse`, [DEVICE, '1', m1], 'FORBIDDEN');
    }
    for (const bad of ['abc', m1.toUpperCase(), `${m1}00`]) {
      await harness.expectRejected(
        cast.device,
        `${C}:RecordShardUse`,
        [DEVICE, '1', bad],
        'INVALID_ARGUMENT',
      );
    }
    await harness.expectRejected(cast.device, `${C}:RecordShardUse`, [DEVICE, 'x', m1], 'INVALID_ARGUMENT');
    await harness.submit(cast.device, `${C}:RecordShardUse`, DEVICE, '1', m1);
    await expect(harness.evaluate(cast.otherDevice, `${C}:GetShardUse`, DEVICE, '1')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
  });
});

describe('RevokeDevice', () => {
  it('invalidates the active map, records the revocation and clears the active epoch', async () => {
    await publish(1);
    const { value, event, txId } = await harness.submit<DeviceHead>(
      cast.providerA2,
      `${C}:RevokeDevice`,
      DEVICE,
      'stolen',
    );
    const revokedAt = harness.now;
    expect(value).toEqual({
      deviceId: DEVICE,
      latestEpoch: 1,
      publisherMspId: 'Org1MSP',
      deviceOwner: owner(cast.device),
      updatedAt: revokedAt,
      revoked: { at: revokedAt, reason: 'stolen', by: owner(cast.providerA2), txId },
    });
    expect(event).toEqual({
      name: 'DeviceRevoked',
      payload: { deviceId: DEVICE, reason: 'stolen', invalidatedEpoch: 1, revokedAt, txId },
    });
    const map = await harness.evaluate<ShardMap>(cast.auditor, `${C}:GetShardMap`, DEVICE, '1');
    expect(map.value).toMatchObject({
      status: 'invalidated',
      invalidatedReason: 'device revoked: stolen',
      invalidatedAt: revokedAt,
      invalidatedBy: owner(cast.providerA2),
    });
    await expect(harness.evaluate(cast.device, `${C}:GetActiveShardMap`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    expect(
      await harness.expectRejected(cast.admin, `${C}:RevokeDevice`, [DEVICE, 'again'], 'CONFLICT'),
    ).toMatch(/device device-42 is already revoked \(stolen\)/);
    // its shards can still be collected
    const collected = await harness.submit(cast.admin, `${C}:GarbageCollectShards`, DEVICE);
    expect(collected.value).toMatchObject({ deleted: 2, epochs: [1] });
  });

  it('revokes a device without an active map, with invalidatedEpoch null', async () => {
    await publish(1);
    await harness.submit(cast.device, `${C}:InvalidateEpoch`, DEVICE, '1', 'reset');
    const { event } = await harness.submit(cast.admin, `${C}:RevokeDevice`, DEVICE, 'retired');
    expect(event?.payload['invalidatedEpoch']).toBeNull();
  });

  it('refuses devices, auditors, other orgs’ providers, unknown devices and bad reasons', async () => {
    await publish(1);
    for (const who of [cast.device, cast.auditor, cast.signer, cast.stranger]) {
      await harness.expectRejected(who, `${C}:RevokeDevice`, [DEVICE, 'x'], 'FORBIDDEN');
    }
    expect(
      await harness.expectRejected(cast.providerB, `${C}:RevokeDevice`, [DEVICE, 'x'], 'FORBIDDEN'),
    ).toMatch(/published by providers of Org1MSP/);
    await harness.expectRejected(cast.admin, `${C}:RevokeDevice`, ['device-0', 'x'], 'NOT_FOUND');
    await harness.expectRejected(cast.admin, `${C}:RevokeDevice`, [DEVICE, ''], 'INVALID_ARGUMENT');
    await harness.expectRejected(cast.admin, `${C}:RevokeDevice`, ['bad id', 'x'], 'INVALID_ARGUMENT');
  });
});

describe('PutEncryptedShard on a one-step map', () => {
  it('is a replay for the stored bytes and refused for a device identity', async () => {
    const shards = epochShards(2, 1);
    await publishEpoch(harness, cast.providerA, epochBody(harness, cast, 1, shards));
    const arg = JSON.stringify({
      deviceId: DEVICE,
      epoch: 1,
      shardId: shards[0]?.shardId,
      ciphertext: shards[0]?.bytes.toString('base64'),
    });
    await harness.expectRejected(cast.device, `${C}:PutEncryptedShard`, [arg], 'FORBIDDEN');
    const retry = await harness.submit<{ replay: boolean }>(cast.providerA, `${C}:PutEncryptedShard`, arg);
    expect(retry.value.replay).toBe(true);
  });
});

describe('GarbageCollectShardsBefore', () => {
  it('collects only maps invalidated at or before the cutoff', async () => {
    await publish(1);
    await publish(2); // invalidates 1 at t1
    const t1 = harness.now;
    harness.advance(10 * DAY);
    await publish(3); // invalidates 2 at t2
    const t2 = harness.now;
    const early = await harness.submit(
      cast.providerA2,
      `${C}:GarbageCollectShardsBefore`,
      DEVICE,
      String(t1 - 1),
    );
    expect(early.value).toEqual({ deviceId: DEVICE, deleted: 0, epochs: [], invalidatedBefore: t1 - 1 });
    expect(shardKeysOf(1)).toHaveLength(2);

    const { value, event, txId } = await harness.submit(
      cast.providerA2,
      `${C}:GarbageCollectShardsBefore`,
      DEVICE,
      String(t1),
    );
    expect(value).toEqual({ deviceId: DEVICE, deleted: 2, epochs: [1], invalidatedBefore: t1 });
    expect(event).toEqual({
      name: 'ShardsCollected',
      payload: { deviceId: DEVICE, deleted: 2, epochs: [1], invalidatedBefore: t1, txId },
    });
    expect(shardKeysOf(1)).toEqual([]);
    expect(shardKeysOf(2)).toHaveLength(2);
    expect(
      (await harness.evaluate<ShardMap>(cast.auditor, `${C}:GetShardMap`, DEVICE, '2')).value.collectedAt,
    ).toBeUndefined();

    const later = await harness.submit(cast.admin, `${C}:GarbageCollectShardsBefore`, DEVICE, String(t2));
    expect(later.value).toMatchObject({ deleted: 2, epochs: [2] });
    expect(shardKeysOf(3)).toHaveLength(2);
  });

  it('refuses outsiders, bad cutoffs and a missing cutoff', async () => {
    await publish(1);
    await harness.expectRejected(cast.device, `${C}:GarbageCollectShardsBefore`, [DEVICE, '0'], 'FORBIDDEN');
    await harness.expectRejected(
      cast.providerB,
      `${C}:GarbageCollectShardsBefore`,
      [DEVICE, '0'],
      'FORBIDDEN',
    );
    await harness.expectRejected(cast.providerB, `${C}:GarbageCollectShards`, [DEVICE], 'FORBIDDEN');
    for (const bad of ['', '-1', 'soon', '1.5']) {
      await harness.expectRejected(
        cast.admin,
        `${C}:GarbageCollectShardsBefore`,
        [DEVICE, bad],
        'INVALID_ARGUMENT',
      );
    }
    await harness.expectRejected(
      cast.admin,
      `${C}:GarbageCollectShardsBefore`,
      ['device-0', '0'],
      'NOT_FOUND',
    );
    // fabric-shim checks the argument count against the declared parameters before the contract runs
    await expect(harness.submit(cast.admin, `${C}:GarbageCollectShardsBefore`, DEVICE)).rejects.toThrow(
      /Expected 2 parameters, but 1 have been supplied/,
    );
    await expect(harness.submit(cast.admin, `${C}:GarbageCollectShards`, DEVICE, '0')).rejects.toThrow(
      /Expected 1 parameters, but 2 have been supplied/,
    );
  });
});
