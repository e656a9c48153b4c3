/**
 * Device key shards end to end on the devnet: a generator with its own SoftHSM token provisions devices that
 * each have their own token and ledger identity; the device rebuilds its epoch key from the shards on the
 * ledger, signs, and anyone verifies against the public key of the epoch on the ledger.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { DeviceRefusalError } from '../../gateway/src/shards';
import type { DeviceSignature } from '../../gateway/src/shards/device';
import { verifyDeviceSignature } from '../../gateway/src/shards';
import { startShardsNet, type ShardsNet, type TestDevice } from './support/shardsNet';

const message = Buffer.from('firmware update 4.2.1 for sensor bank 7');

describe('device key shards (devnet, SoftHSM)', () => {
  let fixture: ShardsNet;

  beforeAll(async () => {
    fixture = await startShardsNet('keyledger-shards-');
  }, 120_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  async function provisioned(id: string, n: number): Promise<TestDevice> {
    const device = await fixture.addDevice(id);
    await fixture.generator.provision({
      deviceId: id,
      devicePublicKey: device.client.publicKey,
      deviceOwner: device.owner,
      n,
    });
    await device.client.enrol();
    return device;
  }

  it.each([1, 4, 16])('provisions, rebuilds, signs and verifies with n = %i', async (n) => {
    const device = await provisioned(`dev-n${n}`, n);
    const bundle = await device.ledger.bundle(device.id);
    expect(bundle?.map.n).toBe(n);
    expect(bundle?.shards).toHaveLength(n);
    const { signature, use } = await device.client.sign(message);
    expect(signature.epoch).toBe(1);
    expect(use?.uses).toBe(1);
    // Plain node:crypto with the public key from the ledger.
    const raw = Buffer.from(bundle!.map.publicKey!, 'base64url');
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
    expect(verify(null, message, key, Buffer.from(signature.signature, 'base64url'))).toBe(true);
    const verdict = await verifyDeviceSignature(fixture.ledger, message, signature);
    expect(verdict).toMatchObject({ valid: true, epoch: 1, epochStatus: 'active', validAtSigning: true });
    expect(verdict.lastReportedUseIsThisMessage).toBe(true);
    const forged: DeviceSignature = {
      ...signature,
      messageDigest: createHash('sha256').update('x').digest('hex'),
    };
    expect((await verifyDeviceSignature(fixture.ledger, message, forged)).valid).toBe(false);
  });

  it('signs with ES256 as an option', async () => {
    const device = await fixture.addDevice('dev-p256');
    await fixture.generator.provision({
      deviceId: device.id,
      devicePublicKey: device.client.publicKey,
      deviceOwner: device.owner,
      algorithm: 'ES256',
    });
    await device.client.enrol();
    const { signature } = await device.client.sign(message);
    expect(signature.algorithm).toBe('ES256');
    expect((await verifyDeviceSignature(fixture.ledger, message, signature)).valid).toBe(true);
  });

  it('rotates: the old epoch is refused, its signatures stay valid for when they were made, shards are collected', async () => {
    const device = await provisioned('dev-rot', 4);
    const first = (await device.client.sign(message)).signature;
    const next = await fixture.generator.rotate(device.id);
    expect(next.epoch).toBe(2);
    const old = await fixture.ledger.map(device.id, 1);
    expect(old).toMatchObject({ status: 'invalidated', invalidatedReason: 'superseded', supersededBy: 2 });
    await expect(device.client.sign(message, { epoch: 1 })).rejects.toMatchObject({
      code: 'epoch-invalidated',
    });
    const second = (await device.client.sign(message)).signature;
    expect(second.epoch).toBe(2);
    const verdict = await verifyDeviceSignature(fixture.ledger, message, first);
    expect(verdict).toMatchObject({ valid: true, epochStatus: 'invalidated', validAtSigning: true });
    const collected = await fixture.generator.collect(device.id, 0);
    expect(collected).toMatchObject({ deleted: 4, epochs: [1] });
    expect((await fixture.ledger.device(device.id))?.epochs[0]).toMatchObject({
      epoch: 1,
      collectedShards: 4,
    });
  });

  it('refuses a device that was revoked, and its K_dev is gone from the generator', async () => {
    const device = await provisioned('dev-revoked', 2);
    const { keyDestroyed } = await fixture.generator.revoke(device.id, 'lost in transit');
    expect(keyDestroyed).toBe(true);
    expect(fixture.generator.deviceIds()).not.toContain(device.id);
    await expect(device.client.sign(message)).rejects.toMatchObject({ code: 'device-revoked' });
    await expect(fixture.generator.rotate(device.id)).rejects.toMatchObject({ problemType: 'conflict' });
    await expect(
      fixture.generator.provision({ deviceId: device.id, devicePublicKey: device.client.publicKey }),
    ).rejects.toMatchObject({ problemType: 'conflict' });
  });

  it('a device that is not enrolled refuses to sign', async () => {
    const device = await fixture.addDevice('dev-unenrolled');
    await expect(device.client.sign(message)).rejects.toBeInstanceOf(DeviceRefusalError);
    await expect(device.client.enrol()).rejects.toMatchObject({ code: 'not-enrolled' });
  });
});
