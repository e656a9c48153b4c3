/**
 * Every reason a device refuses to sign, each leaving nothing signed and no use reported; shards altered in
 * transit (caught by digest or by AES-GCM's AAD) and writes to a device's shards by identities the chaincode
 * refuses.
 */
import { sha256Hex, shards } from '@keyledger/chaincode/protocol';
import { LedgerError, toLedgerError, type LedgerAccess } from '../../gateway/src/fabric';
import { DeviceClient } from '../../gateway/src/shards/device';
import { DeviceKeys, loadMasterKey } from '../../gateway/src/shards/generator';
import {
  deriveStream,
  oneTimeKeyFromSeed,
  sealShard,
  segmentLayout,
  shardIdOf,
  ShardsLedger,
  type DeviceRefusalCode,
} from '../../gateway/src/shards';
import { silent, startShardsNet, type ShardsNet, type TestDevice } from './support/shardsNet';

const message = Buffer.from('open valve 3');

type BundleEdit = (bundle: shards.ShardBundle) => shards.ShardBundle;

/** The device's ledger with its GetShardBundle answers altered on the way: a man in the middle. */
function tampered(access: LedgerAccess, edit: BundleEdit): LedgerAccess {
  return {
    contract(name) {
      const inner = access.contract(name);
      return {
        submitTransaction: (fn, ...args) => inner.submitTransaction(fn, ...args),
        async evaluateTransaction(fn, ...args) {
          const bytes = await inner.evaluateTransaction(fn, ...args);
          if (fn !== 'GetShardBundle') {
            return bytes;
          }
          const bundle = JSON.parse(Buffer.from(bytes).toString('utf8')) as shards.ShardBundle;
          return Buffer.from(JSON.stringify(edit(bundle)));
        },
      };
    },
  };
}

/** Map digests recomputed after an edit, as an attacker who knows the (public) scheme would. */
function redigest(bundle: shards.ShardBundle): shards.ShardBundle {
  const { map } = bundle;
  const entries = map.shards.map((entry) => {
    const stored = bundle.shards.find((s) => s.shardId === entry.shardId);
    return stored ? { ...entry, digest: sha256Hex(Buffer.from(stored.ciphertext, 'base64')) } : entry;
  });
  const header = {
    deviceId: map.deviceId,
    epoch: map.epoch,
    n: map.n,
    validFrom: map.validFrom,
    validUntil: map.validUntil,
    algorithm: map.algorithm,
    publicKey: map.publicKey,
  };
  return {
    ...bundle,
    map: {
      ...map,
      shards: entries,
      headerDigest: shards.shardMapHeaderDigest(header),
      mapDigest: shards.shardMapDigest(header, entries),
    },
  };
}

function flipByte(ciphertext: string): string {
  const bytes = Buffer.from(ciphertext, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('device refusals (devnet, SoftHSM)', () => {
  let fixture: ShardsNet;
  let device: TestDevice;
  let other: TestDevice;

  beforeAll(async () => {
    fixture = await startShardsNet('keyledger-refusals-');
    device = await fixture.addDevice('dev-victim');
    other = await fixture.addDevice('dev-other');
    for (const d of [device, other]) {
      await fixture.generator.provision({
        deviceId: d.id,
        devicePublicKey: d.client.publicKey,
        deviceOwner: d.owner,
        n: 4,
      });
      await d.client.enrol();
    }
  }, 120_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  /** A client of the same device (same token, same K_dev) whose bundle reads pass through `edit`. */
  function clientThrough(edit: BundleEdit, now?: () => number): DeviceClient {
    const access = fixture.net.connectionAs(device.member);
    return new DeviceClient({
      deviceId: device.id,
      token: device.token,
      ledger: new ShardsLedger(tampered(access, edit)),
      logger: silent,
      ...(now ? { now } : {}),
    });
  }

  async function expectRefusal(client: DeviceClient, code: DeviceRefusalCode): Promise<void> {
    const epoch = (await fixture.ledger.device(device.id))?.head.activeEpoch ?? 0;
    const before = (await fixture.ledger.use(device.id, epoch))?.uses ?? 0;
    await expect(client.sign(message)).rejects.toMatchObject({ code });
    expect((await fixture.ledger.use(device.id, epoch))?.uses ?? 0).toBe(before);
  }

  it('signs when nothing is altered (the baseline of every case below)', async () => {
    const { signature } = await clientThrough((b) => b).sign(message);
    expect(signature.epoch).toBe(1);
  });

  it('refuses a shard altered in transit: its digest does not match the map', async () => {
    await expectRefusal(
      clientThrough((b) => ({
        ...b,
        shards: b.shards.map((s, i) => (i === 2 ? { ...s, ciphertext: flipByte(s.ciphertext) } : s)),
      })),
      'digest-mismatch',
    );
  });

  it('refuses an altered shard even when the attacker recomputes every digest: AES-GCM does not authenticate it', async () => {
    await expectRefusal(
      clientThrough((b) =>
        redigest({
          ...b,
          shards: b.shards.map((s, i) => (i === 1 ? { ...s, ciphertext: flipByte(s.ciphertext) } : s)),
        }),
      ),
      'not-authentic',
    );
  });

  it('refuses shards swapped between positions (digests recomputed): the AAD binds the index', async () => {
    await expectRefusal(
      clientThrough((b) => {
        const [a, c] = [b.shards[0]!, b.shards[1]!];
        return redigest({
          ...b,
          shards: [
            { ...a, ciphertext: c.ciphertext },
            { ...c, ciphertext: a.ciphertext },
            ...b.shards.slice(2),
          ],
        });
      }),
      'not-authentic',
    );
  });

  it("refuses another device's shards (digests recomputed): the shard keys and AAD are per device", async () => {
    const theirs = await fixture.ledger.bundle(other.id);
    await expectRefusal(
      clientThrough((b) =>
        redigest({
          ...b,
          shards: b.shards.map((s, i) => ({ ...s, ciphertext: theirs!.shards[i]!.ciphertext })),
        }),
      ),
      'not-authentic',
    );
  });

  it('refuses a map whose validity was stretched in transit (digest no longer matches)', async () => {
    await expectRefusal(
      clientThrough((b) => ({ ...b, map: { ...b.map, validUntil: b.map.validUntil + 86_400_000 } })),
      'map-digest-mismatch',
    );
  });

  it('refuses a missing shard', async () => {
    await expectRefusal(
      clientThrough((b) => ({ ...b, shards: b.shards.slice(0, 3) })),
      'missing-shard',
    );
  });

  it('refuses an expired epoch (the device clock past validUntil)', async () => {
    await expectRefusal(
      clientThrough(
        (b) => b,
        () => Date.now() + 3 * 86_400_000,
      ),
      'epoch-expired',
    );
  });

  it('refuses a map whose public key is not the key its shards rebuild (a faulty generator)', async () => {
    const d = await fixture.addDevice('dev-badkey');
    await fixture.generator.provision({
      deviceId: d.id,
      devicePublicKey: d.client.publicKey,
      deviceOwner: d.owner,
      n: 2,
    });
    await d.client.enrol();
    // A second epoch sealed correctly under the device's keys but publishing some other key.
    const keys = new DeviceKeys(fixture.generatorToken, loadMasterKey(fixture.generatorToken).key);
    const kDev = keys.find(d.id)!;
    const wrong = oneTimeKeyFromSeed('Ed25519', Buffer.alloc(32, 7));
    const header: shards.ShardMapHeader = {
      deviceId: d.id,
      epoch: 2,
      n: 2,
      validFrom: Date.now(),
      validUntil: Date.now() + 3_600_000,
      algorithm: 'Ed25519',
      publicKey: wrong.publicKey.toString('base64url'),
    };
    wrong.wipe();
    const headerDigest = shards.shardMapHeaderDigest(header);
    const layout = segmentLayout(2);
    const stream = deriveStream(fixture.generatorToken, kDev, 2, layout);
    const sealed = [0, 1].map((index) => ({
      shardId: shardIdOf(index),
      index,
      ciphertext: sealShard(
        fixture.generatorToken,
        kDev,
        { deviceId: d.id, epoch: 2, index, headerDigest },
        stream.subarray(index * layout.segmentBytes, (index + 1) * layout.segmentBytes),
      ).toString('base64'),
    }));
    stream.fill(0);
    await fixture.ledger.publishEpoch({
      ...header,
      publicKey: header.publicKey!,
      algorithm: 'Ed25519',
      shards: sealed,
    });
    await expect(d.client.sign(message)).rejects.toMatchObject({ code: 'public-key-mismatch' });
    expect(await fixture.ledger.use(d.id, 2)).toBeUndefined();
  });

  it('refuses an epoch the device owner invalidated, until the generator publishes the next', async () => {
    const d = await fixture.addDevice('dev-invalidated');
    await fixture.generator.provision({
      deviceId: d.id,
      devicePublicKey: d.client.publicKey,
      deviceOwner: d.owner,
    });
    await d.client.enrol();
    await d.ledger.invalidate(d.id, 1, 'shard exposed in a crash dump');
    await expect(d.client.sign(message)).rejects.toMatchObject({ code: 'no-active-epoch' });
    await expect(d.client.sign(message, { epoch: 1 })).rejects.toMatchObject({ code: 'epoch-invalidated' });
    await fixture.generator.rotate(d.id);
    expect((await d.client.sign(message)).signature.epoch).toBe(2);
  });

  it('the chaincode refuses writes to a device shard by the device itself and by another organisation', async () => {
    const bundle = (await fixture.ledger.bundle(device.id))!;
    const stored = bundle.shards[0]!;
    const put = (access: LedgerAccess): Promise<unknown> =>
      access.contract('ShardMaps').submitTransaction(
        'PutEncryptedShard',
        JSON.stringify({
          deviceId: device.id,
          epoch: bundle.map.epoch,
          shardId: stored.shardId,
          ciphertext: flipByte(stored.ciphertext),
        }),
      );
    const asDevice = put(fixture.net.connectionAs(device.member));
    const deviceError = await asDevice.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(toLedgerError(deviceError).kind).toBe('FORBIDDEN');
    // A provider of another organisation than the device's publisher.
    let foreign = await fixture.net.addMember('foreign-provider', 'provider');
    for (let i = 0; foreign.fabric.mspId === fixture.generatorMember.fabric.mspId && i < 3; i += 1) {
      foreign = await fixture.net.addMember(`foreign-provider-${i}`, 'provider');
    }
    const foreignLedger = new ShardsLedger(fixture.net.connectionAs(foreign));
    await expect(
      foreignLedger.publishEpoch({
        deviceId: device.id,
        epoch: 99,
        n: 1,
        validFrom: Date.now(),
        validUntil: Date.now() + 60_000,
        algorithm: 'Ed25519',
        publicKey: Buffer.alloc(32, 1).toString('base64url'),
        shards: [{ shardId: 's00', index: 0, ciphertext: Buffer.alloc(48, 2).toString('base64') }],
      }),
    ).rejects.toMatchObject({ kind: 'FORBIDDEN' });
    await expect(foreignLedger.revoke(device.id, 'hostile')).rejects.toBeInstanceOf(LedgerError);
    // The ledger still holds the untouched shard, and the device still signs.
    expect((await fixture.ledger.bundle(device.id))?.shards[0]?.ciphertext).toBe(stored.ciphertext);
    expect((await device.client.sign(message)).signature.epoch).toBe(bundle.map.epoch);
  });
});
