import { createHash, randomBytes } from 'node:crypto';
import { ShardMapsContract } from '../../src/contracts/shards';
import type { ShardMap, StoredShard } from '../../src/protocol/shards';
import { canonicalJson } from '../../src/protocol';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

const C = 'ShardMaps';
const DAY = 24 * 3_600_000;
const DEVICE = 'device-42';

interface Shard {
  readonly shardId: string;
  readonly index: number;
  readonly bytes: Buffer;
  readonly digest: string;
}

function makeShards(n: number, epoch: number): Shard[] {
  return Array.from({ length: n }, (_, index) => {
    const bytes = randomBytes(48 + index);
    return {
      shardId: `e${epoch}-s${index}`,
      index,
      bytes,
      digest: createHash('sha256').update(bytes).digest('hex'),
    };
  });
}

let admin: TestIdentity;
let providerA: TestIdentity;
let providerA2: TestIdentity;
let providerB: TestIdentity;
let device: TestIdentity;
let otherDevice: TestIdentity;
let auditor: TestIdentity;
let signer: TestIdentity;
let stranger: TestIdentity;
let harness: ChaincodeHarness;
const shardsByEpoch = new Map<number, Shard[]>();

function owner(identity: TestIdentity): { mspId: string; fingerprint: string } {
  return { mspId: identity.mspId, fingerprint: identity.fingerprint };
}

function shardsOf(epoch: number, n = 3): Shard[] {
  let shards = shardsByEpoch.get(epoch);
  if (!shards || shards.length !== n) {
    shards = makeShards(n, epoch);
    shardsByEpoch.set(epoch, shards);
  }
  return shards;
}

function mapArg(epoch: number, overrides: Record<string, unknown> = {}, n = 3): string {
  return JSON.stringify({
    deviceId: DEVICE,
    epoch,
    n,
    shards: shardsOf(epoch, n).map(({ shardId, index, digest }) => ({ shardId, index, digest })),
    validFrom: harness.now,
    validUntil: harness.now + 30 * DAY,
    deviceOwner: owner(device),
    ...overrides,
  });
}

async function publish(
  epoch: number,
  overrides: Record<string, unknown> = {},
  who = providerA,
): Promise<ShardMap> {
  return (await harness.submit<ShardMap>(who, `${C}:PublishShardMap`, mapArg(epoch, overrides))).value;
}

function shardArg(epoch: number, index: number, ciphertext?: string): string {
  const shard = shardsOf(epoch)[index] as Shard;
  return JSON.stringify({
    deviceId: DEVICE,
    epoch,
    shardId: shard.shardId,
    ciphertext: ciphertext ?? shard.bytes.toString('base64'),
  });
}

async function put(
  epoch: number,
  index: number,
  who = providerA,
): Promise<StoredShard & { replay: boolean }> {
  return (
    await harness.submit<StoredShard & { replay: boolean }>(
      who,
      `${C}:PutEncryptedShard`,
      shardArg(epoch, index),
    )
  ).value;
}

beforeAll(async () => {
  const factory = new IdentityFactory();
  admin = await factory.create('admin', 'Org3MSP');
  providerA = await factory.create('provider-a', 'Org1MSP');
  providerA2 = await factory.create('provider-a2', 'Org1MSP');
  providerB = await factory.create('provider-b', 'Org2MSP');
  device = await factory.create('device-42', 'Org1MSP');
  otherDevice = await factory.create('device-7', 'Org1MSP');
  auditor = await factory.create('auditor', 'Org2MSP');
  signer = await factory.create('signer', 'Org1MSP');
  stranger = await factory.create('stranger', 'Org1MSP');
});

beforeEach(() => {
  shardsByEpoch.clear();
  harness = new ChaincodeHarness([ShardMapsContract]);
  seedMembers(harness, [
    { identity: admin, roles: ['admin'] },
    { identity: providerA, roles: ['provider'] },
    { identity: providerA2, roles: ['provider'] },
    { identity: providerB, roles: ['provider'] },
    { identity: device, roles: ['device'] },
    { identity: otherDevice, roles: ['device'] },
    { identity: auditor, roles: ['auditor'] },
    { identity: signer, roles: ['signer'] },
  ]);
});

describe('PublishShardMap', () => {
  it('publishes the first epoch with shards sorted by index and a map digest', async () => {
    const shards = shardsOf(1);
    const validFrom = harness.now;
    const arg = mapArg(1, {
      shards: [...shards].reverse().map(({ shardId, index, digest }) => ({ shardId, index, digest })),
    });
    const { value, event, txId } = await harness.submit<ShardMap>(providerA, `${C}:PublishShardMap`, arg);
    const content = {
      deviceId: DEVICE,
      epoch: 1,
      n: 3,
      shards: shards.map(({ shardId, index, digest }) => ({ shardId, index, digest })),
      validFrom,
      validUntil: validFrom + 30 * DAY,
    };
    const mapDigest = createHash('sha256').update(canonicalJson(content)).digest('hex');
    const header = { deviceId: DEVICE, epoch: 1, n: 3, validFrom, validUntil: validFrom + 30 * DAY };
    const headerDigest = createHash('sha256').update(canonicalJson(header)).digest('hex');
    expect(value).toEqual({
      ...content,
      mapDigest,
      headerDigest,
      status: 'active',
      publishedAt: harness.now,
      publishedBy: owner(providerA),
      txId,
      deviceOwner: owner(device),
    });
    expect(event).toEqual({
      name: 'ShardMapPublished',
      payload: {
        deviceId: DEVICE,
        epoch: 1,
        n: 3,
        mapDigest,
        validFrom,
        validUntil: validFrom + 30 * DAY,
        invalidatedEpoch: null,
        withShards: false,
        txId,
      },
    });
    const active = await harness.evaluate<ShardMap>(device, `${C}:GetActiveShardMap`, DEVICE);
    expect(active.value).toEqual(value);
  });

  it('supersedes the active epoch when the next one is published', async () => {
    await publish(1);
    const { value, event } = await harness.submit<ShardMap>(
      providerA2,
      `${C}:PublishShardMap`,
      mapArg(2, { deviceOwner: undefined }),
    );
    expect(value.deviceOwner).toEqual(owner(device)); // inherited
    expect(event?.payload['invalidatedEpoch']).toBe(1);
    const previous = await harness.evaluate<ShardMap>(auditor, `${C}:GetShardMap`, DEVICE, '1');
    expect(previous.value).toMatchObject({
      status: 'invalidated',
      invalidatedReason: 'superseded',
      invalidatedAt: harness.now - 1000,
      invalidatedBy: owner(providerA2),
      supersededBy: 2,
    });
    expect((await harness.evaluate<ShardMap>(auditor, `${C}:GetActiveShardMap`, DEVICE)).value.epoch).toBe(2);
  });

  it('shard map for a past epoch: refuses past and equal epochs, even invalidated ones, and accepts gaps', async () => {
    await publish(5);
    expect(await harness.expectRejected(providerA, `${C}:PublishShardMap`, [mapArg(3)], 'CONFLICT')).toMatch(
      /epoch 3 of device device-42 is not after the latest published epoch 5/,
    );
    await harness.expectRejected(providerA, `${C}:PublishShardMap`, [mapArg(5)], 'CONFLICT');
    await harness.expectRejected(admin, `${C}:PublishShardMap`, [mapArg(0)], 'CONFLICT');
    await harness.submit(device, `${C}:InvalidateEpoch`, DEVICE, '5', 'device reset');
    // invalidating epoch 5 does not make it (or anything below) publishable again
    await harness.expectRejected(providerA, `${C}:PublishShardMap`, [mapArg(5)], 'CONFLICT');
    await harness.expectRejected(providerA, `${C}:PublishShardMap`, [mapArg(4)], 'CONFLICT');
    const past = await harness.evaluate<ShardMap>(device, `${C}:GetShardMap`, DEVICE, '5');
    expect(past.value).toMatchObject({ epoch: 5, status: 'invalidated', invalidatedReason: 'device reset' });
    expect(
      await harness.expectRejected(providerA, `${C}:PutEncryptedShard`, [shardArg(5, 0)], 'CONFLICT'),
    ).toMatch(/epoch 5 is invalidated/);
    const next = await publish(9);
    expect(next.epoch).toBe(9);
    const event = (await harness.submit(providerA, `${C}:PublishShardMap`, mapArg(10))).event;
    expect(event?.payload['invalidatedEpoch']).toBe(9);
  });

  it.each<[string, (epoch: number) => Record<string, unknown>, RegExp]>([
    ['n not matching the shard count', () => ({ n: 4 }), /shards: must list exactly n = 4 shards, got 3/],
    ['n below 1', () => ({ n: 0, shards: [] }), /n/],
    ['n above 64', () => ({ n: 65 }), /n/],
    [
      'a duplicate index',
      (e) => ({
        shards: shardsOf(e).map(({ shardId, digest }, i) => ({ shardId, index: i === 2 ? 1 : i, digest })),
      }),
      /indices must be distinct/,
    ],
    [
      'an index out of range',
      (e) => ({
        shards: shardsOf(e).map(({ shardId, digest }, i) => ({ shardId, index: i === 2 ? 5 : i, digest })),
      }),
      /shards\.2\.index: must be below n = 3/,
    ],
    [
      'a duplicate shard id',
      (e) => ({ shards: shardsOf(e).map(({ index, digest }) => ({ shardId: 'same', index, digest })) }),
      /shard ids must be distinct/,
    ],
    [
      'a duplicate digest',
      (e) => ({
        shards: shardsOf(e).map(({ shardId, index }) => ({ shardId, index, digest: 'a'.repeat(64) })),
      }),
      /digests must be distinct/,
    ],
    [
      'an upper-case digest',
      (e) => ({
        shards: shardsOf(e).map(({ shardId, index, digest }) => ({
          shardId,
          index,
          digest: digest.toUpperCase(),
        })),
      }),
      /shards\.0\.digest: must be a SHA-256 digest/,
    ],
    [
      'a short digest',
      (e) => ({ shards: shardsOf(e).map(({ shardId, index }) => ({ shardId, index, digest: 'abcd' })) }),
      /digest/,
    ],
    [
      'validFrom not before validUntil',
      () => ({ validFrom: harness.now + DAY, validUntil: harness.now + DAY }),
      /validUntil: must be after validFrom/,
    ],
    [
      'validUntil in the past',
      () => ({ validFrom: 0, validUntil: harness.now }),
      /validUntil: must be after the transaction time/,
    ],
    ['a negative epoch', () => ({ epoch: -1 }), /epoch/],
    ['a bad device id', () => ({ deviceId: 'dev ice' }), /deviceId/],
    [
      'a bad device owner',
      () => ({ deviceOwner: { mspId: 'Org1MSP', fingerprint: 'xyz' } }),
      /deviceOwner\.fingerprint/,
    ],
    ['an unknown field', () => ({ masterKey: 'secret' }), /masterKey/],
  ])('rejects %s', async (_case, overrides, message) => {
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:PublishShardMap`,
        [mapArg(1, overrides(1))],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(message);
  });

  it('rejects malformed JSON', async () => {
    await harness.expectRejected(providerA, `${C}:PublishShardMap`, ['{'], 'INVALID_ARGUMENT');
  });

  it('accepts a single shard', async () => {
    const value = await publish(1, {
      n: 1,
      shards: makeShards(1, 1).map(({ shardId, index, digest }) => ({ shardId, index, digest })),
    });
    expect(value.shards).toHaveLength(1);
    expect(value.n).toBe(1);
  });

  it('accepts 64 shards', async () => {
    const value = await publish(1, {
      n: 64,
      shards: makeShards(64, 1).map(({ shardId, index, digest }) => ({ shardId, index, digest })),
    });
    expect(value.shards).toHaveLength(64);
    expect(value.shards[63]?.index).toBe(63);
  });

  it('limits publishing to providers of the device org and admins; only an admin changes the owner', async () => {
    await harness.expectRejected(device, `${C}:PublishShardMap`, [mapArg(1)], 'FORBIDDEN');
    await harness.expectRejected(signer, `${C}:PublishShardMap`, [mapArg(1)], 'FORBIDDEN');
    await harness.expectRejected(stranger, `${C}:PublishShardMap`, [mapArg(1)], 'FORBIDDEN');
    await publish(1);
    expect(await harness.expectRejected(providerB, `${C}:PublishShardMap`, [mapArg(2)], 'FORBIDDEN')).toMatch(
      /maps of device device-42 are published by providers of Org1MSP/,
    );
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:PublishShardMap`,
        [mapArg(2, { deviceOwner: owner(otherDevice) })],
        'FORBIDDEN',
      ),
    ).toMatch(/only an admin may change the owner/);
    const byAdmin = await publish(2, { deviceOwner: owner(otherDevice) }, admin);
    expect(byAdmin.deviceOwner).toEqual(owner(otherDevice));
    // the publishing org stays Org1MSP after an admin publish
    await harness.expectRejected(providerB, `${C}:PublishShardMap`, [mapArg(3)], 'FORBIDDEN');
    expect((await publish(3, { deviceOwner: undefined })).deviceOwner).toEqual(owner(otherDevice));
  });
});

describe('PutEncryptedShard / GetEncryptedShard', () => {
  beforeEach(async () => {
    await publish(1);
  });

  it('stores a shard whose SHA-256 matches the map and returns it to the device', async () => {
    const shard = shardsOf(1)[1] as Shard;
    const { value, event, txId } = await harness.submit<StoredShard & { replay: boolean }>(
      providerA,
      `${C}:PutEncryptedShard`,
      shardArg(1, 1),
    );
    const expected = {
      deviceId: DEVICE,
      epoch: 1,
      shardId: shard.shardId,
      index: 1,
      digest: shard.digest,
      ciphertext: shard.bytes.toString('base64'),
      storedAt: harness.now,
      storedBy: owner(providerA),
    };
    expect(value).toEqual({ ...expected, replay: false });
    expect(event).toEqual({
      name: 'EncryptedShardStored',
      payload: {
        deviceId: DEVICE,
        epoch: 1,
        shardId: shard.shardId,
        index: 1,
        digest: shard.digest,
        replay: false,
        txId,
      },
    });
    const read = await harness.evaluate<StoredShard & { mapStatus: string }>(
      device,
      `${C}:GetEncryptedShard`,
      DEVICE,
      '1',
      shard.shardId,
    );
    expect(read.value).toEqual({ ...expected, mapStatus: 'active' });
    expect(createHash('sha256').update(Buffer.from(read.value.ciphertext, 'base64')).digest('hex')).toBe(
      shard.digest,
    );
  });

  it('normalises base64url input to base64', async () => {
    const shard = shardsOf(1)[0] as Shard;
    const { value } = await harness.submit<StoredShard>(
      providerA,
      `${C}:PutEncryptedShard`,
      shardArg(1, 0, shard.bytes.toString('base64url')),
    );
    expect(value.ciphertext).toBe(shard.bytes.toString('base64'));
  });

  it('treats the same bytes again as an idempotent retry and never replaces a stored shard', async () => {
    await put(1, 0);
    const before = JSON.stringify(harness.ledger.dump());
    const retry = await harness.submit<StoredShard & { replay: boolean }>(
      providerA2,
      `${C}:PutEncryptedShard`,
      shardArg(1, 0),
    );
    expect(retry.value.replay).toBe(true);
    expect(retry.value.storedBy).toEqual(owner(providerA));
    expect(retry.event?.payload['replay']).toBe(true);
    expect(JSON.stringify(harness.ledger.dump())).toBe(before);
    const other = randomBytes(32).toString('base64');
    expect(
      await harness.expectRejected(providerA, `${C}:PutEncryptedShard`, [shardArg(1, 0, other)], 'CONFLICT'),
    ).toMatch(/shard e1-s0 of device device-42 epoch 1 is already stored with different bytes/);
  });

  it('rejects a ciphertext that does not match the digest, naming the shard', async () => {
    const wrong = randomBytes(48);
    const message = await harness.expectRejected(
      providerA,
      `${C}:PutEncryptedShard`,
      [shardArg(1, 2, wrong.toString('base64'))],
      'INVALID_ARGUMENT',
    );
    expect(message).toContain('ciphertext of shard e1-s2 (index 2) hashes to');
    expect(message).toContain(`but the map says ${(shardsOf(1)[2] as Shard).digest}`);
    // the ciphertext from another shard of the same map is refused too
    await harness.expectRejected(
      providerA,
      `${C}:PutEncryptedShard`,
      [shardArg(1, 2, (shardsOf(1)[0] as Shard).bytes.toString('base64'))],
      'INVALID_ARGUMENT',
    );
  });

  it('rejects malformed input, unknown maps and shards, expired maps and outsiders', async () => {
    const arg = (overrides: Record<string, unknown>): string =>
      JSON.stringify({ ...JSON.parse(shardArg(1, 0)), ...overrides });
    await harness.expectRejected(
      providerA,
      `${C}:PutEncryptedShard`,
      [arg({ ciphertext: 'not base64!' })],
      'INVALID_ARGUMENT',
    );
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:PutEncryptedShard`,
        [arg({ ciphertext: 'A' })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/ciphertext: decodes to no bytes/);
    await harness.expectRejected(
      providerA,
      `${C}:PutEncryptedShard`,
      [arg({ epoch: 'one' })],
      'INVALID_ARGUMENT',
    );
    await harness.expectRejected(
      providerA,
      `${C}:PutEncryptedShard`,
      [arg({ plaintext: 'x' })],
      'INVALID_ARGUMENT',
    );
    await harness.expectRejected(providerA, `${C}:PutEncryptedShard`, [arg({ epoch: 2 })], 'NOT_FOUND');
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:PutEncryptedShard`,
        [arg({ shardId: 'e9-s9' })],
        'NOT_FOUND',
      ),
    ).toMatch(/shard e9-s9 is not in the map/);
    await harness.expectRejected(providerB, `${C}:PutEncryptedShard`, [shardArg(1, 0)], 'FORBIDDEN');
    await harness.expectRejected(device, `${C}:PutEncryptedShard`, [shardArg(1, 0)], 'FORBIDDEN');
    harness.advance(31 * DAY);
    expect(
      await harness.expectRejected(providerA, `${C}:PutEncryptedShard`, [shardArg(1, 0)], 'CONFLICT'),
    ).toMatch(/epoch 1 is expired/);
  });

  it('GetEncryptedShard enforces readers and reports missing shards', async () => {
    await put(1, 0);
    const id = (shardsOf(1)[0] as Shard).shardId;
    for (const reader of [admin, auditor, providerB, device]) {
      expect(
        (await harness.evaluate<StoredShard>(reader, `${C}:GetEncryptedShard`, DEVICE, '1', id)).value
          .shardId,
      ).toBe(id);
    }
    await expect(harness.evaluate(otherDevice, `${C}:GetEncryptedShard`, DEVICE, '1', id)).rejects.toThrow(
      /^\[FORBIDDEN\] only device device-42's own identity/,
    );
    await expect(harness.evaluate(stranger, `${C}:GetEncryptedShard`, DEVICE, '1', id)).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(signer, `${C}:GetEncryptedShard`, DEVICE, '1', id)).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '1', 'e1-s1')).rejects.toThrow(
      /^\[NOT_FOUND\] encrypted shard e1-s1/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '2', id)).rejects.toThrow(
      /^\[NOT_FOUND\] shard map/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '-1', id)).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid epoch/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '1', 'bad id')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, '', '1', id)).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
  });
});

describe('GetActiveShardMap / GetShardMap', () => {
  it('reports NOT_FOUND without an active map and "expired" past validUntil', async () => {
    await expect(harness.evaluate(device, `${C}:GetActiveShardMap`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\] device device-42 has no active shard map/,
    );
    const map = await publish(1, { validUntil: harness.now + DAY });
    harness.setTime(map.validUntil - 1000); // the read runs at validUntil: still valid
    expect((await harness.evaluate<ShardMap>(device, `${C}:GetActiveShardMap`, DEVICE)).value.status).toBe(
      'active',
    );
    const expired = await harness.evaluate<ShardMap>(device, `${C}:GetActiveShardMap`, DEVICE);
    expect(expired.value).toMatchObject({ epoch: 1, status: 'expired' });
    expect((await harness.evaluate<ShardMap>(device, `${C}:GetShardMap`, DEVICE, '1')).value.status).toBe(
      'expired',
    );
    await publish(2);
    expect((await harness.evaluate<ShardMap>(device, `${C}:GetShardMap`, DEVICE, '1')).value.status).toBe(
      'invalidated',
    );
  });

  it('lets any device read a map without a bound owner, and only the owner otherwise', async () => {
    await publish(1, { deviceOwner: undefined });
    expect(
      (await harness.evaluate<ShardMap>(otherDevice, `${C}:GetActiveShardMap`, DEVICE)).value.deviceOwner,
    ).toBeUndefined();
    await publish(2, { deviceOwner: owner(device) });
    await expect(harness.evaluate(otherDevice, `${C}:GetActiveShardMap`, DEVICE)).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(otherDevice, `${C}:GetShardMap`, DEVICE, '2')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    expect((await harness.evaluate<ShardMap>(otherDevice, `${C}:GetShardMap`, DEVICE, '1')).value.epoch).toBe(
      1,
    );
    await expect(harness.evaluate(stranger, `${C}:GetActiveShardMap`, DEVICE)).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetShardMap`, DEVICE, '3')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetShardMap`, DEVICE, 'x')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetActiveShardMap`, 'a b')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
  });
});

describe('InvalidateEpoch', () => {
  beforeEach(async () => {
    await publish(1);
  });

  it('lets the device owner invalidate its active epoch, which leaves the device without an active map', async () => {
    const { value, event, txId } = await harness.submit<ShardMap>(
      device,
      `${C}:InvalidateEpoch`,
      DEVICE,
      '1',
      'device lost',
    );
    expect(value).toMatchObject({
      status: 'invalidated',
      invalidatedReason: 'device lost',
      invalidatedAt: harness.now,
      invalidatedBy: owner(device),
    });
    expect(event).toEqual({
      name: 'EpochInvalidated',
      payload: { deviceId: DEVICE, epoch: 1, reason: 'device lost', invalidatedAt: harness.now, txId },
    });
    await expect(harness.evaluate(device, `${C}:GetActiveShardMap`, DEVICE)).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    expect(
      await harness.expectRejected(providerA, `${C}:InvalidateEpoch`, [DEVICE, '1', 'again'], 'CONFLICT'),
    ).toMatch(/already invalidated \(device lost\)/);
    const next = await harness.submit(providerA, `${C}:PublishShardMap`, mapArg(2));
    expect(next.event?.payload['invalidatedEpoch']).toBeNull();
  });

  it('lets a provider of the publishing org and an admin invalidate', async () => {
    expect(
      (await harness.submit<ShardMap>(providerA2, `${C}:InvalidateEpoch`, DEVICE, '1', 'rotation')).value
        .status,
    ).toBe('invalidated');
    await publish(2);
    expect(
      (await harness.submit<ShardMap>(admin, `${C}:InvalidateEpoch`, DEVICE, '2', 'policy')).value
        .invalidatedBy,
    ).toEqual(owner(admin));
  });

  it('refuses outsiders, bad input and unknown epochs', async () => {
    await harness.expectRejected(providerB, `${C}:InvalidateEpoch`, [DEVICE, '1', 'x'], 'FORBIDDEN');
    expect(
      await harness.expectRejected(otherDevice, `${C}:InvalidateEpoch`, [DEVICE, '1', 'x'], 'FORBIDDEN'),
    ).toMatch(/only device device-42's owner, its publishing provider or an admin/);
    await harness.expectRejected(auditor, `${C}:InvalidateEpoch`, [DEVICE, '1', 'x'], 'FORBIDDEN');
    await harness.expectRejected(device, `${C}:InvalidateEpoch`, [DEVICE, '1', ''], 'INVALID_ARGUMENT');
    await harness.expectRejected(device, `${C}:InvalidateEpoch`, [DEVICE, '1.5', 'x'], 'INVALID_ARGUMENT');
    await harness.expectRejected(device, `${C}:InvalidateEpoch`, [DEVICE, '2', 'x'], 'NOT_FOUND');
  });
});

describe('GarbageCollectShards', () => {
  it('deletes the stored shards of invalidated epochs only, once', async () => {
    await publish(1);
    await put(1, 0);
    await put(1, 1);
    await put(1, 2);
    await publish(2); // supersedes 1
    await put(2, 0);
    await harness.submit(providerA, `${C}:InvalidateEpoch`, DEVICE, '2', 'shard exposed');
    await publish(3);
    await put(3, 1);

    const { value, event, txId } = await harness.submit(providerA2, `${C}:GarbageCollectShards`, DEVICE);
    const collectedAt = harness.now;
    expect(value).toEqual({ deviceId: DEVICE, deleted: 4, epochs: [1, 2], invalidatedBefore: null });
    expect(event).toEqual({
      name: 'ShardsCollected',
      payload: { deviceId: DEVICE, deleted: 4, epochs: [1, 2], invalidatedBefore: null, txId },
    });
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '1', 'e1-s0')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    await expect(harness.evaluate(device, `${C}:GetEncryptedShard`, DEVICE, '2', 'e2-s0')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
    expect(
      (await harness.evaluate<StoredShard>(device, `${C}:GetEncryptedShard`, DEVICE, '3', 'e3-s1')).value
        .epoch,
    ).toBe(3);
    const collected = await harness.evaluate<ShardMap>(auditor, `${C}:GetShardMap`, DEVICE, '1');
    expect(collected.value).toMatchObject({
      status: 'invalidated',
      collectedShards: 3,
      collectedAt,
    });
    const shardKeys = harness.ledger.keys().filter((key) => key.startsWith('\u0000shard.shard\u0000'));
    expect(shardKeys).toHaveLength(1);

    const again = await harness.submit(admin, `${C}:GarbageCollectShards`, DEVICE);
    expect(again.value).toEqual({ deviceId: DEVICE, deleted: 0, epochs: [], invalidatedBefore: null });
  });

  it('marks invalidated epochs without stored shards as collected without listing them', async () => {
    await publish(1);
    await publish(2);
    const { value } = await harness.submit(admin, `${C}:GarbageCollectShards`, DEVICE);
    expect(value).toEqual({ deviceId: DEVICE, deleted: 0, epochs: [], invalidatedBefore: null });
    expect(
      (await harness.evaluate<ShardMap>(auditor, `${C}:GetShardMap`, DEVICE, '1')).value.collectedShards,
    ).toBe(0);
  });

  it('refuses outsiders and unknown devices', async () => {
    await publish(1);
    await harness.expectRejected(device, `${C}:GarbageCollectShards`, [DEVICE], 'FORBIDDEN');
    await harness.expectRejected(providerB, `${C}:GarbageCollectShards`, [DEVICE], 'FORBIDDEN');
    await harness.expectRejected(admin, `${C}:GarbageCollectShards`, ['device-0'], 'NOT_FOUND');
    await harness.expectRejected(admin, `${C}:GarbageCollectShards`, ['bad id'], 'INVALID_ARGUMENT');
  });
});
