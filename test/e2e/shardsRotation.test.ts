/**
 * Rotation on schedule and devices following it: the scheduler publishes epoch e+1 a lead time before epoch e
 * ends (the ledger invalidates e in the same transaction) and collects invalidated shards after the retention;
 * a device's authentication cycle picks up the new epoch from the chaincode event, and a device that was
 * offline across several epoch boundaries catches up on its first cycle.
 */
import { DeviceAgent } from '../../gateway/src/shards/device';
import { ShardRotationScheduler } from '../../gateway/src/shards/generator';
import { eventually } from './support/eventually';
import { silent, startShardsNet, type ShardsNet, type TestDevice } from './support/shardsNet';

const message = Buffer.from('telemetry batch 1182');

describe('shard rotation and devices following it (devnet, SoftHSM)', () => {
  let fixture: ShardsNet;

  beforeAll(async () => {
    // Epochs of 4 s, the next published 2.5 s before the end, shards collected 1 s after invalidation.
    fixture = await startShardsNet('keyledger-shard-rotation-', {
      epochMs: 4_000,
      leadMs: 2_500,
      retentionMs: 1_000,
    });
  }, 120_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  async function provisioned(id: string): Promise<TestDevice> {
    const device = await fixture.addDevice(id);
    await fixture.generator.provision({
      deviceId: id,
      devicePublicKey: device.client.publicKey,
      deviceOwner: device.owner,
      n: 4,
    });
    return device;
  }

  function agentOf(device: TestDevice, pollIntervalMs: number): DeviceAgent {
    return new DeviceAgent({
      client: device.client,
      participant: { connection: fixture.net.connectionAs(device.member), logger: silent },
      pollIntervalMs,
    });
  }

  it('rotates before the epoch ends, the device picks it up from the event, old shards are collected', async () => {
    const device = await provisioned('dev-sched');
    // A poll far longer than the test: only the chaincode event can bring the new epoch in time.
    const agent = agentOf(device, 600_000);
    const scheduler = new ShardRotationScheduler({
      generator: fixture.generator,
      logger: silent,
      tickMs: 200,
    });
    try {
      await agent.start();
      expect(agent.state).toMatchObject({ enrolled: true, epoch: 1 });
      const first = (await device.client.sign(message)).signature;
      const published = Date.now();
      await scheduler.start();
      await eventually('the device on epoch 2', () => (agent.state.epoch === 2 ? true : undefined), 20_000);
      const epoch1 = await fixture.ledger.map(device.id, 1);
      expect(epoch1).toMatchObject({ status: 'invalidated', supersededBy: 2 });
      // Published ahead: before epoch 1's validUntil.
      expect(epoch1!.invalidatedAt!).toBeLessThan(epoch1!.validUntil);
      expect(epoch1!.invalidatedAt!).toBeGreaterThanOrEqual(epoch1!.validUntil - 2_500 - 1_000);
      await expect(device.client.sign(message, { epoch: 1 })).rejects.toMatchObject({
        code: 'epoch-invalidated',
      });
      expect((await device.client.sign(message)).signature.epoch).toBe(2);
      const collected = await eventually(
        'epoch 1 collected',
        async () => {
          const summary = await fixture.ledger.device(device.id);
          const entry = summary?.epochs.find((e) => e.epoch === 1);
          return entry?.collectedAt === undefined ? undefined : entry;
        },
        20_000,
      );
      expect(collected.collectedShards).toBe(4);
      expect(collected.collectedAt! - collected.invalidatedAt!).toBeGreaterThanOrEqual(1_000);
      expect(await fixture.ledger.bundle(device.id)).toBeDefined();
      // The old signature still verifies as made while epoch 1 was valid.
      expect(first.signedAt).toBeLessThan(published + 1);
    } finally {
      await scheduler.stop();
      await agent.stop();
    }
  }, 60_000);

  it('a device offline across epoch boundaries catches up on its first authentication cycle', async () => {
    const device = await provisioned('dev-offline');
    const generator = fixture.generatorWith({ policy: { epochMs: 3_600_000 } });
    await generator.rotate(device.id);
    await generator.rotate(device.id);
    // The device was never online: it takes its key and the current epoch in one cycle.
    const agent = agentOf(device, 600_000);
    try {
      await agent.start();
      expect(agent.state).toMatchObject({ enrolled: true, epoch: 3 });
      await agent.stop();
      // Offline again while two more epochs come and go.
      await generator.rotate(device.id);
      await generator.rotate(device.id);
      const back = agentOf(device, 600_000);
      await back.start();
      expect(back.state.epoch).toBe(5);
      await back.stop();
      await expect(device.client.sign(message, { epoch: 3 })).rejects.toMatchObject({
        code: 'epoch-invalidated',
      });
      expect((await device.client.sign(message)).signature.epoch).toBe(5);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('rotates a fleet at once and reports every device', async () => {
    const devices = await Promise.all(['fleet-a', 'fleet-b', 'fleet-c'].map((id) => provisioned(id)));
    const scheduler = new ShardRotationScheduler({
      generator: fixture.generatorWith({ policy: { epochMs: 3_600_000 } }),
      logger: silent,
    });
    const result = await scheduler.rotateNow([...devices.map((d) => d.id), 'never-provisioned']);
    expect(result.rotated.map((r) => r.deviceId).sort()).toEqual(['fleet-a', 'fleet-b', 'fleet-c']);
    expect(result.failed).toEqual([expect.objectContaining({ deviceId: 'never-provisioned' })]);
    for (const device of devices) {
      expect((await fixture.ledger.device(device.id))?.head.activeEpoch).toBe(2);
    }
  }, 60_000);
});
