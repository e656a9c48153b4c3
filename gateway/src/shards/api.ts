import type { ApiModuleFactory } from '../http';
import type { ShardGenerator, ShardRotationScheduler } from './generator';
import { shardsHealthCheck, type ShardsHealthOptions } from './health';
import { shardDeviceRoutes, TAG_SHARD_DEVICES } from './routes/devices';
import { shardVerifyRoutes, TAG_SHARD_SIGNATURES } from './routes/verify';

export interface ShardsApiDeps {
  readonly generator: ShardGenerator;
  readonly scheduler: ShardRotationScheduler;
  readonly health?: ShardsHealthOptions;
}

/** The device-key-shards capability's part of the REST API: the generator's devices and signature verification. */
export function shardsApi(deps: ShardsApiDeps): ApiModuleFactory {
  return () => ({
    name: 'shards',
    routes: [...shardDeviceRoutes(deps), ...shardVerifyRoutes()],
    tags: [
      {
        name: TAG_SHARD_DEVICES,
        description:
          'Devices whose per-epoch signing keys are split into encrypted shards on the ledger: provisioning, ' +
          'rotation, revocation and collection of invalidated shards',
      },
      {
        name: TAG_SHARD_SIGNATURES,
        description: 'Verification of a device’s signature against its epoch’s public key on the ledger',
      },
    ],
    health: [shardsHealthCheck(deps.generator, deps.scheduler, deps.health)],
  });
}
