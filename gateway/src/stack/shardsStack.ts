import { join } from 'node:path';
import type { Logger } from 'pino';
import { FabricConnection, type FabricConfig } from '../fabric';
import { writeFileAtomic } from '../files';
import { ensureMembers, type GovernanceLedger } from '../governance';
import { HsmToken, type TokenCredentials } from '../hsm';
import { ShardsLedger } from '../shards';
import { DeviceAgent, DeviceClient, writeDeviceFile } from '../shards/device';
import { ShardGenerator, ShardRotationScheduler, type ShardPolicy } from '../shards/generator';
import { closers } from './closers';

/** The generator's member and token name. */
export const STACK_SHARD_GENERATOR = 'shard-generator';
/** The simulated devices: their ids on the ledger, member and token names. */
export const STACK_DEVICE_NAMES = ['device1', 'device2'] as const;
/** A device the stack prepares (member, token, device directory) but does not provision: the walk-through does. */
export const STACK_SPARE_DEVICE = 'device3';

/** The stack's fleet policy: 4 shards of an Ed25519 key per epoch, epochs of a day published an hour ahead. */
export const STACK_SHARD_POLICY: ShardPolicy = {
  n: 4,
  algorithm: 'Ed25519',
  epochMs: 24 * 3_600_000,
  leadMs: 3_600_000,
  retentionMs: 3_600_000,
};

export interface StackMember {
  readonly name: string;
  readonly fabric: FabricConfig;
  readonly fingerprint: string;
}

export interface StackShardsOptions {
  readonly admin: GovernanceLedger;
  /** The generator's member (role provider). */
  readonly generator: StackMember;
  /** The simulated devices' members (role device), one each. */
  readonly devices: readonly StackMember[];
  /** A device member prepared but left for the walk-through to provision. */
  readonly spare?: StackMember;
  readonly tokenOf: (name: string) => TokenCredentials;
  /** The stack's SoftHSM directory: every token of the stack, the devices' included. */
  readonly hsmDir: string;
  readonly dataDir: string;
  readonly logger: Logger;
}

export interface StackDevice {
  readonly deviceId: string;
  /** Its directory for `keyledger device … --device DIR`. */
  readonly dir: string;
  readonly agent: DeviceAgent;
}

export interface StackShards {
  readonly generator: ShardGenerator;
  /** The generator's token (its health check looks for the master key there). */
  readonly generatorToken: HsmToken;
  readonly scheduler: ShardRotationScheduler;
  readonly devices: readonly StackDevice[];
  /** The prepared device's id and directory. */
  readonly spare?: { readonly deviceId: string; readonly dir: string };
  stop(): Promise<void>;
}

/**
 * The device-shard capability of the stack: the generator (its master key and the devices' K_dev in its own
 * token, acting as a provider on the ledger) with its rotation schedule, and two simulated devices, each with
 * its own token, its own ledger identity and an authentication cycle. A device is provisioned on the first
 * start (K_dev delivered wrapped to its key, epoch 1 published); a later start finds it provisioned.
 */
export async function startStackShards(options: StackShardsOptions): Promise<StackShards> {
  const { admin, logger } = options;
  const spec = (who: StackMember): { name: string; mspId: string; fingerprint: string } => ({
    name: who.name,
    mspId: who.fabric.mspId,
    fingerprint: who.fingerprint,
  });
  await ensureMembers(admin, [spec(options.generator)], 'provider');
  await ensureMembers(
    admin,
    [...options.devices, ...(options.spare ? [options.spare] : [])].map(spec),
    'device',
  );
  const closing = closers(logger, 'the shard capability');
  const stop = (): Promise<void> => closing.stop();

  try {
    const generatorCredentials = options.tokenOf(options.generator.name);
    const generatorToken = HsmToken.open({
      label: generatorCredentials.label,
      pin: generatorCredentials.pin,
    });
    closing.push(() => generatorToken.close());
    const generatorConnection = FabricConnection.open(options.generator.fabric);
    closing.push(() => generatorConnection.close());
    const generator = new ShardGenerator({
      token: generatorToken,
      ledger: new ShardsLedger(generatorConnection),
      logger: logger.child({ component: 'shard-generator' }),
      policy: STACK_SHARD_POLICY,
    });
    const devices: StackDevice[] = [];
    const deviceDir = (member: StackMember): string => {
      const dir = join(options.dataDir, 'devices', member.name);
      const identityFile = join(dir, 'identity.json');
      writeDeviceFile(dir, {
        deviceId: member.name,
        identityFile,
        hsmDir: options.hsmDir,
        tokenLabel: options.tokenOf(member.name).label,
      });
      writeFileAtomic(identityFile, `${JSON.stringify(member.fabric, null, 2)}\n`);
      return dir;
    };
    for (const member of options.devices) {
      const dir = deviceDir(member);
      const credentials = options.tokenOf(member.name);
      const token = HsmToken.open({ label: credentials.label, pin: credentials.pin });
      closing.push(() => token.close());
      const connection = FabricConnection.open(member.fabric);
      closing.push(() => connection.close());
      const deviceLogger = logger.child({ component: 'device', device: member.name });
      const client = new DeviceClient({
        deviceId: member.name,
        token,
        ledger: new ShardsLedger(connection),
        logger: deviceLogger,
      });
      const known = await generator.ledger.device(member.name);
      if (known?.head.revoked) {
        // A revoked device stays revoked: the stack starts without it rather than failing.
        logger.warn(
          { deviceId: member.name, reason: known.head.revoked.reason },
          'device is revoked; not started',
        );
        continue;
      }
      await generator.provision({
        deviceId: member.name,
        devicePublicKey: client.publicKey,
        deviceOwner: { mspId: member.fabric.mspId, fingerprint: member.fingerprint },
      });
      const agent = new DeviceAgent({
        client,
        participant: { connection, logger: deviceLogger },
        pollIntervalMs: 30_000,
      });
      await agent.start();
      closing.push(() => agent.stop());
      devices.push({ deviceId: member.name, dir, agent });
    }
    const scheduler = new ShardRotationScheduler({
      generator,
      logger: logger.child({ component: 'shard-schedule' }),
    });
    await scheduler.start();
    closing.push(() => scheduler.stop());
    const spare = options.spare ? { deviceId: options.spare.name, dir: deviceDir(options.spare) } : undefined;
    return { generator, generatorToken, scheduler, devices, ...(spare ? { spare } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
