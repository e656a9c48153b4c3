import { randomBytes } from 'node:crypto';
import {
  type ShardBundle,
  type ShardMap,
  shardMapDigest,
  shardMapHeaderDigest,
} from '../../src/protocol/shards';
import type { ChaincodeHarness } from '../support/harness';
import {
  C,
  type Cast,
  createCast,
  DAY,
  DEVICE,
  ed25519PublicKey,
  enrollment,
  epochBody,
  epochShards,
  newHarness,
  owner,
  p256Point,
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

function body(epoch: number, overrides: Record<string, unknown> = {}, n = 3): Record<string, unknown> {
  return epochBody(harness, cast, epoch, epochShards(n, epoch), overrides);
}

function shardKeys(): string[] {
  return harness.ledger.keys().filter((key) => key.startsWith('\u0000shard.shard\u0000'));
}

describe('PublishEpoch', () => {
  it.each([1, 4, 16])('publishes a map with its %i shards in one transaction', async (n) => {
    const shards = epochShards(n, 1);
    // sent in reverse order: the map and the bundle list them by index anyway
    const arg = epochBody(harness, cast, 1, [...shards].reverse());
    const { value, event, txId } = await publishEpoch(harness, cast.providerA, arg);
    const header = {
      deviceId: DEVICE,
      epoch: 1,
      n,
      validFrom: arg['validFrom'] as number,
      validUntil: arg['validUntil'] as number,
      algorithm: 'Ed25519' as const,
      publicKey: arg['publicKey'] as string,
    };
    const entries = shards.map(({ shardId, index, bytes }) => ({ shardId, index, digest: sha256(bytes) }));
    expect(value).toEqual({
      ...header,
      shards: entries,
      headerDigest: shardMapHeaderDigest(header),
      mapDigest: shardMapDigest(header, entries),
      status: 'active',
      publishedAt: harness.now,
      publishedBy: owner(cast.providerA),
      txId,
      deviceOwner: owner(cast.device),
      replay: false,
    });
    expect(event).toEqual({
      name: 'ShardMapPublished',
      payload: {
        deviceId: DEVICE,
        epoch: 1,
        n,
        mapDigest: value.mapDigest,
        validFrom: header.validFrom,
        validUntil: header.validUntil,
        invalidatedEpoch: null,
        withShards: true,
        txId,
      },
    });
    const bundle = (await harness.evaluate<ShardBundle>(cast.device, `${C}:GetShardBundle`, DEVICE)).value;
    expect({ ...bundle.map, replay: false }).toEqual(value);
    expect(bundle.enrollment).toBeUndefined();
    expect(bundle.shards.map((shard) => shard.index)).toEqual(shards.map((shard) => shard.index));
    bundle.shards.forEach((stored, i) => {
      const shard = shards[i] as (typeof shards)[number];
      expect(stored).toEqual({
        deviceId: DEVICE,
        epoch: 1,
        shardId: shard.shardId,
        index: shard.index,
        digest: sha256(shard.bytes),
        ciphertext: shard.bytes.toString('base64'),
        storedAt: harness.now - 1000,
        storedBy: owner(cast.providerA),
      });
      expect(sha256(Buffer.from(stored.ciphertext, 'base64'))).toBe(bundle.map.shards[i]?.digest);
    });
    expect(shardKeys()).toHaveLength(n);
  });

  it('accepts an ES256 point and base64url ciphertexts, storing them as standard base64', async () => {
    const shards = epochShards(2, 1);
    const publicKey = p256Point().toString('base64url');
    const { value } = await publishEpoch(
      harness,
      cast.admin,
      epochBody(harness, cast, 1, shards, {
        algorithm: 'ES256',
        publicKey,
        shards: shards.map(({ shardId, index, bytes }) => ({
          shardId,
          index,
          ciphertext: bytes.toString('base64url'),
        })),
      }),
    );
    expect(value).toMatchObject({ algorithm: 'ES256', publicKey });
    const bundle = (await harness.evaluate<ShardBundle>(cast.auditor, `${C}:GetShardBundle`, DEVICE)).value;
    expect(bundle.shards.map((shard) => shard.ciphertext)).toEqual(
      shards.map(({ bytes }) => bytes.toString('base64')),
    );
  });

  it('supersedes the active map, whichever path published it', async () => {
    await harness.submit(
      cast.providerA,
      `${C}:PublishShardMap`,
      JSON.stringify({
        deviceId: DEVICE,
        epoch: 1,
        n: 1,
        shards: [{ shardId: 's0', index: 0, digest: sha256('x') }],
        validFrom: harness.now,
        validUntil: harness.now + DAY,
      }),
    );
    const second = await publishEpoch(harness, cast.providerA2, body(2));
    expect(second.event?.payload['invalidatedEpoch']).toBe(1);
    const previous = await harness.evaluate<ShardMap>(cast.auditor, `${C}:GetShardMap`, DEVICE, '1');
    expect(previous.value).toMatchObject({
      status: 'invalidated',
      invalidatedReason: 'superseded',
      invalidatedBy: owner(cast.providerA2),
      supersededBy: 2,
    });
    const third = await publishEpoch(harness, cast.providerA, body(5));
    expect(third.event?.payload['invalidatedEpoch']).toBe(2);
    const bundle = (await harness.evaluate<ShardBundle>(cast.device, `${C}:GetShardBundle`, DEVICE)).value;
    expect(bundle.map.epoch).toBe(5);
    expect(bundle.shards.every((shard) => shard.epoch === 5)).toBe(true);
    // the two-step path supersedes a one-step map the same way
    const fourth = await harness.submit(
      cast.providerA,
      `${C}:PublishShardMap`,
      JSON.stringify({
        deviceId: DEVICE,
        epoch: 6,
        n: 1,
        shards: [{ shardId: 's0', index: 0, digest: sha256('y') }],
        validFrom: harness.now,
        validUntil: harness.now + DAY,
      }),
    );
    expect(fourth.event?.payload).toMatchObject({ invalidatedEpoch: 5, withShards: false });
  });

  it('treats an exact retry of a committed publish as a replay that writes nothing', async () => {
    const arg = body(3, { enrollment: enrollment() });
    const first = await publishEpoch(harness, cast.providerA, arg);
    const before = JSON.stringify(harness.ledger.dump());
    const retry = await publishEpoch(harness, cast.providerA2, arg);
    expect(retry.value).toEqual({ ...first.value, replay: true });
    expect(retry.event).toBeUndefined();
    expect(JSON.stringify(harness.ledger.dump())).toBe(before);
    // without the enrollment (already stored) it is the same map too
    const withoutEnrollment = { ...arg, enrollment: undefined };
    expect((await publishEpoch(harness, cast.providerA, withoutEnrollment)).value.replay).toBe(true);
  });

  it('refuses a different body at the latest epoch, and earlier epochs', async () => {
    const arg = body(3);
    await publishEpoch(harness, cast.providerA, arg);
    const changed = (overrides: Record<string, unknown>): string => JSON.stringify({ ...arg, ...overrides });
    for (const overrides of [
      { publicKey: ed25519PublicKey() },
      { validUntil: (arg['validUntil'] as number) + 1 },
      {
        shards: epochShards(3, 3).map(({ shardId, index, bytes }) => ({
          shardId,
          index,
          ciphertext: bytes.toString('base64'),
        })),
      },
      { deviceOwner: owner(cast.otherDevice) },
      { enrollment: enrollment() },
    ]) {
      await harness.expectRejected(cast.admin, `${C}:PublishEpoch`, [changed(overrides)], 'CONFLICT');
    }
    expect(
      await harness.expectRejected(cast.providerA, `${C}:PublishEpoch`, [changed({ epoch: 2 })], 'CONFLICT'),
    ).toMatch(/epoch 2 of device device-42 is not after the latest published epoch 3/);
  });

  it('does not replay a map whose shards were collected', async () => {
    const arg = body(1);
    await publishEpoch(harness, cast.providerA, arg);
    await harness.submit(cast.providerA, `${C}:InvalidateEpoch`, DEVICE, '1', 'lost');
    await harness.submit(cast.providerA, `${C}:GarbageCollectShards`, DEVICE);
    await harness.expectRejected(cast.providerA, `${C}:PublishEpoch`, [JSON.stringify(arg)], 'CONFLICT');
  });

  it('accepts the enrollment once per device', async () => {
    const first = enrollment();
    const { txId } = await publishEpoch(harness, cast.providerA, body(1, { enrollment: first }));
    const stored = await harness.evaluate(cast.device, `${C}:GetDeviceEnrollment`, DEVICE);
    expect(stored.value).toEqual({
      deviceId: DEVICE,
      ...first,
      enrolledAt: harness.now - 1000,
      enrolledBy: owner(cast.providerA),
      txId,
    });
    expect(
      await harness.expectRejected(
        cast.providerA,
        `${C}:PublishEpoch`,
        [JSON.stringify(body(2, { enrollment: enrollment() }))],
        'CONFLICT',
      ),
    ).toMatch(/device device-42 is already enrolled/);
    await publishEpoch(harness, cast.providerA, body(2));
    const bundle = (await harness.evaluate<ShardBundle>(cast.device, `${C}:GetShardBundle`, DEVICE)).value;
    expect(bundle.enrollment).toEqual(stored.value);
    const device = await harness.evaluate<{ head: { enrolled?: boolean } }>(
      cast.auditor,
      `${C}:GetDevice`,
      DEVICE,
    );
    expect(device.value.head.enrolled).toBe(true);
  });

  it('enrolls a device that already has maps but no enrollment', async () => {
    await publishEpoch(harness, cast.providerA, body(1));
    await harness.expectRejected(cast.device, `${C}:GetDeviceEnrollment`, [DEVICE], 'NOT_FOUND');
    await publishEpoch(harness, cast.providerA, body(2, { enrollment: enrollment() }));
    expect((await harness.evaluate(cast.device, `${C}:GetDeviceEnrollment`, DEVICE)).value).toMatchObject({
      deviceId: DEVICE,
    });
  });

  it('refuses any publish for a revoked device', async () => {
    await publishEpoch(harness, cast.providerA, body(1));
    await harness.submit(cast.admin, `${C}:RevokeDevice`, DEVICE, 'stolen');
    expect(
      await harness.expectRejected(
        cast.providerA,
        `${C}:PublishEpoch`,
        [JSON.stringify(body(2))],
        'CONFLICT',
      ),
    ).toMatch(/device device-42 was revoked at \d+ \(stolen\)/);
    await harness.expectRejected(
      cast.admin,
      `${C}:PublishShardMap`,
      [
        JSON.stringify({
          deviceId: DEVICE,
          epoch: 2,
          n: 1,
          shards: [{ shardId: 's0', index: 0, digest: sha256('x') }],
          validFrom: harness.now,
          validUntil: harness.now + DAY,
        }),
      ],
      'CONFLICT',
    );
  });

  const asShards = (list: { shardId: string; index: number; bytes: Buffer }[]): unknown[] =>
    list.map(({ shardId, index, bytes }) => ({ shardId, index, ciphertext: bytes.toString('base64') }));

  it.each<[string, () => Record<string, unknown>, RegExp]>([
    [
      'an Ed25519 key of 33 bytes',
      () => ({ publicKey: randomBytes(33).toString('base64url') }),
      /publicKey: an Ed25519 public key is 32 bytes, got 33/,
    ],
    [
      'an Ed25519 key of 65 bytes',
      () => ({ publicKey: p256Point().toString('base64url') }),
      /publicKey: an Ed25519 public key is 32 bytes/,
    ],
    [
      'an ES256 key of 32 bytes',
      () => ({ algorithm: 'ES256', publicKey: ed25519PublicKey() }),
      /publicKey: an ES256 public key is a 65-byte/,
    ],
    [
      'an ES256 key not starting 0x04',
      () => {
        const point = p256Point();
        point[0] = 0x03;
        return { algorithm: 'ES256', publicKey: point.toString('base64url') };
      },
      /publicKey: an ES256 public key/,
    ],
    [
      'an ES256 point off the curve',
      () => {
        const point = p256Point();
        point[64] = (point[64] as number) ^ 1;
        return { algorithm: 'ES256', publicKey: point.toString('base64url') };
      },
      /publicKey: an ES256 public key .* on the curve/,
    ],
    ['a padded public key', () => ({ publicKey: `${randomBytes(32).toString('base64')}` }), /publicKey/],
    ['an unknown algorithm', () => ({ algorithm: 'RS256' }), /algorithm/],
    ['n above the shard count', () => ({ n: 4 }), /shards: must list exactly n = 4 shards, got 3/],
    ['n of 0', () => ({ n: 0, shards: [] }), /n/],
    ['n above 64', () => ({ n: 65 }), /n/],
    [
      'a duplicate index',
      () => ({ shards: asShards(epochShards(3, 1).map((s, i) => ({ ...s, index: i === 2 ? 0 : i }))) }),
      /indices must be distinct/,
    ],
    [
      'an index out of range',
      () => ({ shards: asShards(epochShards(3, 1).map((s, i) => ({ ...s, index: i === 2 ? 3 : i }))) }),
      /shards\.2\.index: must be below n = 3/,
    ],
    [
      'a duplicate shard id',
      () => ({ shards: asShards(epochShards(3, 1).map((s) => ({ ...s, shardId: 'same' }))) }),
      /shard ids must be distinct/,
    ],
    [
      'equal ciphertexts',
      () => {
        const bytes = randomBytes(40);
        return { shards: asShards(epochShards(3, 1).map((s) => ({ ...s, bytes }))) };
      },
      /ciphertexts must be distinct/,
    ],
    [
      'an empty ciphertext',
      () => ({ shards: [{ shardId: 's0', index: 0, ciphertext: '' }], n: 1 }),
      /shards\.0\.ciphertext/,
    ],
    [
      'a ciphertext decoding to nothing',
      () => ({ shards: [{ shardId: 's0', index: 0, ciphertext: 'A' }], n: 1 }),
      /shards\.0\.ciphertext: must be canonical base64/,
    ],
    [
      'bad base64',
      () => ({ shards: [{ shardId: 's0', index: 0, ciphertext: 'not base64!' }], n: 1 }),
      /shards\.0\.ciphertext/,
    ],
    [
      'non-canonical base64 (non-zero trailing bits)',
      () => ({ shards: [{ shardId: 's0', index: 0, ciphertext: 'AB==' }], n: 1 }),
      /shards\.0\.ciphertext: must be canonical base64/,
    ],
    [
      'a ciphertext over 4096 bytes',
      () => ({ shards: asShards([{ shardId: 's0', index: 0, bytes: randomBytes(4097) }]), n: 1 }),
      /shards\.0\.ciphertext: must decode to at most 4096 bytes/,
    ],
    [
      'validUntil in the past',
      () => ({ validFrom: 0, validUntil: harness.now }),
      /validUntil: must be after the transaction time/,
    ],
    [
      'validUntil not after validFrom',
      () => ({ validFrom: harness.now + 2 * DAY, validUntil: harness.now + DAY }),
      /validUntil: must be after validFrom/,
    ],
    ['a negative epoch', () => ({ epoch: -1 }), /epoch/],
    ['a bad device id', () => ({ deviceId: 'dev ice' }), /deviceId/],
    ['an unknown field', () => ({ masterKey: 'secret' }), /masterKey/],
    [
      'an unknown shard field',
      () => ({ n: 1, shards: [{ shardId: 's0', index: 0, ciphertext: 'AAAA', digest: sha256('x') }] }),
      /digest/,
    ],
    ['an unknown enrollment field', () => ({ enrollment: { ...enrollment(), deviceKey: 'x' } }), /deviceKey/],
    [
      'an enrollment device key off the curve',
      () => ({ enrollment: { ...enrollment(), devicePublicKey: randomBytes(65).toString('base64url') } }),
      /enrollment\.devicePublicKey/,
    ],
    [
      'a short ephemeral key',
      () => ({ enrollment: { ...enrollment(), ephemeralPublicKey: ed25519PublicKey() } }),
      /enrollment\.ephemeralPublicKey/,
    ],
    [
      'a wrapped key of 16 bytes',
      () => ({ enrollment: { ...enrollment(), wrappedKey: randomBytes(16).toString('base64url') } }),
      /enrollment\.wrappedKey: must decode to 24\.\.72 bytes/,
    ],
    [
      'a wrapped key of 80 bytes',
      () => ({ enrollment: { ...enrollment(), wrappedKey: randomBytes(80).toString('base64url') } }),
      /enrollment\.wrappedKey/,
    ],
    [
      'a wrapped key not a multiple of 8',
      () => ({ enrollment: { ...enrollment(), wrappedKey: randomBytes(41).toString('base64url') } }),
      /enrollment\.wrappedKey/,
    ],
    [
      'an upper-case key check value',
      () => ({ enrollment: { ...enrollment(), keyCheckValue: 'A1B2C3' } }),
      /enrollment\.keyCheckValue/,
    ],
    ['a missing public key', () => ({ publicKey: undefined }), /publicKey/],
  ])('rejects %s and writes nothing', async (_case, overrides, message) => {
    expect(
      await harness.expectRejected(
        cast.providerA,
        `${C}:PublishEpoch`,
        [JSON.stringify(body(1, overrides()))],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(message);
    expect(harness.ledger.keys().filter((key) => key.startsWith('\u0000shard.'))).toEqual([]);
  });

  it('rejects malformed JSON', async () => {
    await harness.expectRejected(cast.providerA, `${C}:PublishEpoch`, ['{'], 'INVALID_ARGUMENT');
  });

  it('limits publishing to providers of the device org and admins', async () => {
    for (const who of [cast.device, cast.signer, cast.stranger, cast.auditor]) {
      await harness.expectRejected(who, `${C}:PublishEpoch`, [JSON.stringify(body(1))], 'FORBIDDEN');
    }
    await publishEpoch(harness, cast.providerA, body(1));
    expect(
      await harness.expectRejected(
        cast.providerB,
        `${C}:PublishEpoch`,
        [JSON.stringify(body(2))],
        'FORBIDDEN',
      ),
    ).toMatch(/maps of device device-42 are published by providers of Org1MSP/);
    expect(
      await harness.expectRejected(
        cast.providerA,
        `${C}:PublishEpoch`,
        [JSON.stringify(body(2, { deviceOwner: owner(cast.otherDevice) }))],
        'FORBIDDEN',
      ),
    ).toMatch(/only an admin may change the owner/);
    expect(
      (await publishEpoch(harness, cast.admin, body(2, { deviceOwner: owner(cast.otherDevice) }))).value
        .deviceOwner,
    ).toEqual(owner(cast.otherDevice));
  });
});
