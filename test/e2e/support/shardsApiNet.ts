/**
 * The shard generator's REST API on a devnet: the app with the shards module over a generator and a scheduler
 * (not started: tests step it), and callers with their own ledger identities and API tokens — the generator's
 * provider, an admin, an auditor, a signer, a device member, and the devices added up front.
 *   const api = await startShardsApiNet('keyledger-shards-api-', ['dev-a']);
 *   await api.call('POST', '/v1/shards/devices', { as: 'provider', body: { … } });
 */
import { randomBytes } from 'node:crypto';
import { createApp, fabricIdentityResolver, startApiServer, type ApiServer } from '../../../gateway/src/api';
import { shardsApi } from '../../../gateway/src/shards/api';
import { ShardRotationScheduler } from '../../../gateway/src/shards/generator';
import { silent, startShardsNet, type ShardsNet, type TestDevice } from './shardsNet';
import type { NetMember } from './memberNet';

export interface ApiReply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type ApiWho = 'provider' | 'admin' | 'auditor' | 'signer' | 'deviceRole' | string;

export interface ShardsApiNet {
  readonly fixture: ShardsNet;
  readonly scheduler: ShardRotationScheduler;
  readonly server: ApiServer;
  /** The devices added up front, by id; each is also a caller named by its id. */
  readonly devices: ReadonlyMap<string, TestDevice>;
  tokenOf(who: ApiWho): string;
  call(
    method: string,
    path: string,
    options?: { as?: ApiWho; body?: unknown; rawBody?: string },
  ): Promise<ApiReply>;
  stop(): Promise<void>;
}

export async function startShardsApiNet(prefix: string, deviceIds: readonly string[]): Promise<ShardsApiNet> {
  const fixture = await startShardsNet(prefix);
  try {
    const { net } = fixture;
    const members = new Map<string, NetMember>([
      ['provider', fixture.generatorMember],
      ['admin', net.admin],
      ['auditor', await net.addMember('auditor', 'auditor')],
      ['signer', await net.addMember('signer', 'signer')],
      ['deviceRole', await net.addMember('device-role', 'device')],
    ]);
    const devices = new Map<string, TestDevice>();
    for (const id of deviceIds) {
      const device = await fixture.addDevice(id);
      devices.set(id, device);
      members.set(id, device.member);
    }
    const tokens = new Map<string, string>();
    for (const name of members.keys()) tokens.set(name, `e2e-${randomBytes(24).toString('base64url')}`);
    const identities = fabricIdentityResolver(
      [...members.entries()].map(([name, member]) => ({
        name,
        fabric: member.fabric,
        tokens: [tokens.get(name) as string],
      })),
    );
    net.onStop(() => identities.close());
    const scheduler = new ShardRotationScheduler({ generator: fixture.generator, logger: silent });
    const server = await startApiServer({
      app: createApp({
        identities: identities.resolver,
        modules: [
          shardsApi({
            generator: fixture.generator,
            scheduler,
            health: { token: fixture.generatorToken },
          }),
        ],
      }),
      host: '127.0.0.1',
      port: 0,
    });
    const tokenOf = (who: ApiWho): string => {
      const token = tokens.get(who);
      if (token === undefined) throw new Error(`no caller ${who}`);
      return token;
    };
    return {
      fixture,
      scheduler,
      server,
      devices,
      tokenOf,
      async call(method, path, options = {}): Promise<ApiReply> {
        const headers: Record<string, string> = {};
        if (options.as) headers['authorization'] = `Bearer ${tokenOf(options.as)}`;
        const body =
          options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
        if (body !== undefined) headers['content-type'] = 'application/json';
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.text();
        return {
          status: response.status,
          headers: response.headers,
          json: text ? JSON.parse(text) : undefined,
        };
      },
      async stop(): Promise<void> {
        await server.close();
        await scheduler.stop();
        await fixture.stop();
      },
    };
  } catch (error) {
    await fixture.stop().catch(() => undefined);
    throw error;
  }
}
