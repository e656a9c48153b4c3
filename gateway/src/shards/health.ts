import { findKey, type HsmToken } from '../hsm';
import type { HealthCheck, HealthFinding } from '../http';
import { MASTER_KEY_LABEL, type ShardGenerator, type ShardRotationScheduler } from './generator';

export interface ShardsHealthOptions {
  /** The scheduler's tick (default 1 s): a rotation overdue by ten ticks, at least 30 s, means it is stuck. */
  readonly tickMs?: number;
  readonly now?: () => number;
  /**
   * The generator's token, to check that its master key is still there. The generator keeps its token to
   * itself, so without this the check knows only that the token answers (deviceIds searches it).
   */
  readonly token?: HsmToken;
}

/**
 * The shard generator's health: down (503) when its token cannot be used (it can neither provision nor rotate),
 * degraded when a device's rotation is well overdue (the scheduler is failing or stopped) — its epoch runs out.
 */
export function shardsHealthCheck(
  generator: ShardGenerator,
  scheduler: ShardRotationScheduler,
  options: ShardsHealthOptions = {},
): HealthCheck {
  const overdueMs = Math.max((options.tickMs ?? 1_000) * 10, 30_000);
  const now = options.now ?? Date.now;
  return {
    name: 'shards',
    check(): HealthFinding {
      // Throws when the token is closed or unusable: that is the check failing.
      const ids = generator.deviceIds();
      const masterKeyPresent =
        options.token === undefined
          ? undefined
          : findKey(options.token, { keyClass: 'secret', label: MASTER_KEY_LABEL }) !== undefined;
      if (masterKeyPresent === false) {
        throw new Error(`the generator's token has no fleet master key (${MASTER_KEY_LABEL})`);
      }
      const at = now();
      const overdue = ids.filter((deviceId) => {
        const rotateAt = scheduler.dueTimes(deviceId)?.rotateAt;
        return rotateAt !== undefined && at - rotateAt > overdueMs;
      });
      const data = {
        devices: ids.length,
        tracked: scheduler.trackedDevices,
        ...(masterKeyPresent === undefined ? {} : { masterKeyPresent }),
        overdueRotations: overdue.length,
      };
      return overdue.length === 0
        ? { status: 'ok', data }
        : {
            status: 'degraded',
            detail: `${overdue.length} device rotation(s) overdue by more than ${overdueMs} ms (e.g. ${overdue.slice(0, 3).join(', ')})`,
            data,
          };
    },
  };
}
