/**
 * The device-shard capability's ground: a devnet with a generator member (role provider, its own SoftHSM token)
 * and devices, each a member with role device, its own token and its own ledger connection.
 *   const fixture = await startShardsNet('keyledger-shards-');
 *   const device = await fixture.addDevice('dev-1');
 *   await fixture.generator.provision({ deviceId: device.id, devicePublicKey: device.client.publicKey, deviceOwner: device.owner });
 */
import pino, { type Logger } from 'pino';
import { importSecretKey, type HsmToken } from '../../../gateway/src/hsm';
import { DeviceClient } from '../../../gateway/src/shards/device';
import { MASTER_KEY_LABEL, ShardGenerator, type ShardPolicy } from '../../../gateway/src/shards/generator';
import { ShardsLedger } from '../../../gateway/src/shards';
import { newTestToken } from '../../../gateway/test/support/softhsm';
import { startMemberNet, type MemberNet, type NetMember } from './memberNet';

export const silent = pino({ level: 'silent' });

export interface TestDevice {
  readonly id: string;
  readonly member: NetMember;
  readonly token: HsmToken;
  readonly ledger: ShardsLedger;
  readonly client: DeviceClient;
  readonly owner: { readonly mspId: string; readonly fingerprint: string };
}

export interface ShardsNet {
  readonly net: MemberNet;
  readonly generatorMember: NetMember;
  readonly generatorToken: HsmToken;
  readonly generator: ShardGenerator;
  /** The ledger as the generator. */
  readonly ledger: ShardsLedger;
  addDevice(id: string, options?: { readonly now?: () => number }): Promise<TestDevice>;
  /** A generator over the same token and member with another policy or clock. */
  generatorWith(options: {
    readonly policy?: Partial<ShardPolicy>;
    readonly now?: () => number;
  }): ShardGenerator;
  stop(): Promise<void>;
}

export interface ShardsNetOptions {
  /** A known fleet master key imported into the generator's token (secret-scanning tests only). */
  readonly masterKey?: Buffer;
  /** Where the generator's and the devices' logs go (default: nowhere). */
  readonly logger?: Logger;
}

export async function startShardsNet(
  prefix: string,
  policy: Partial<ShardPolicy> = {},
  options: ShardsNetOptions = {},
): Promise<ShardsNet> {
  const logger = options.logger ?? silent;
  const net = await startMemberNet({ prefix });
  const tokens: HsmToken[] = [];
  try {
    const generatorMember = await net.addMember('shard-generator', 'provider');
    const generatorToken = newTestToken('shard-generator');
    tokens.push(generatorToken);
    if (options.masterKey) {
      importSecretKey(generatorToken, Buffer.from(options.masterKey), {
        label: MASTER_KEY_LABEL,
        kind: 'hmac',
        persistent: true,
      });
    }
    const ledger = new ShardsLedger(net.connectionAs(generatorMember));
    const generatorWith = (options: { policy?: Partial<ShardPolicy>; now?: () => number }): ShardGenerator =>
      new ShardGenerator({
        token: generatorToken,
        ledger,
        logger,
        policy: { ...policy, ...options.policy },
        ...(options.now ? { now: options.now } : {}),
      });
    const generator = generatorWith({});
    return {
      net,
      generatorMember,
      generatorToken,
      generator,
      ledger,
      generatorWith,
      async addDevice(id: string, options: { now?: () => number } = {}): Promise<TestDevice> {
        const member = await net.addMember(id, 'device');
        const token = newTestToken(`dev-${id}`.slice(0, 22));
        tokens.push(token);
        const deviceLedger = new ShardsLedger(net.connectionAs(member));
        const client = new DeviceClient({
          deviceId: id,
          token,
          ledger: deviceLedger,
          logger,
          ...(options.now ? { now: options.now } : {}),
        });
        return {
          id,
          member,
          token,
          ledger: deviceLedger,
          client,
          owner: { mspId: member.fabric.mspId, fingerprint: member.fingerprint },
        };
      },
      async stop(): Promise<void> {
        await net.stop();
        tokens.forEach((token) => token.close());
      },
    };
  } catch (error) {
    await net.stop().catch(() => undefined);
    tokens.forEach((token) => token.close());
    throw error;
  }
}
