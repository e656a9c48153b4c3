import type { shards } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import { errorText } from '../../logging';
import type { ShardGenerator } from './shardGenerator';

/** What the scheduler keeps per device, rebuilt from the ledger on start and refreshed after each step. */
interface DeviceSchedule {
  readonly activeEpoch?: number;
  /** The active epoch's validUntil. */
  readonly validUntil?: number;
  /** When the oldest invalidated, not yet collected epoch passes its retention. */
  readonly collectDueAt?: number;
  /** After a failed step: nothing is tried for this device before then. */
  readonly retryAt?: number;
}

export interface RotationSchedulerOptions {
  readonly generator: ShardGenerator;
  readonly logger: Logger;
  /** How often due work is looked for (default 1 s). */
  readonly tickMs?: number;
  /** How often every device is read again from the ledger, for changes made by others (default 60 s). */
  readonly refreshMs?: number;
  /** Devices rotated or collected at once (default 16): each is one transaction. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

export interface FleetStepResult {
  readonly rotated: readonly { readonly deviceId: string; readonly epoch: number }[];
  readonly collected: readonly { readonly deviceId: string; readonly deleted: number }[];
  readonly failed: readonly { readonly deviceId: string; readonly error: string }[];
}

function scheduleOf(summary: shards.DeviceSummary, retentionMs: number): DeviceSchedule | undefined {
  if (summary.head.revoked) {
    return undefined;
  }
  const active = summary.epochs.find((epoch) => epoch.epoch === summary.head.activeEpoch);
  const pending = summary.epochs
    .filter((epoch) => epoch.status === 'invalidated' && epoch.collectedAt === undefined)
    .map((epoch) => (epoch.invalidatedAt ?? 0) + retentionMs);
  return {
    ...(active ? { activeEpoch: active.epoch, validUntil: active.validUntil } : {}),
    ...(pending.length > 0 ? { collectDueAt: Math.min(...pending) } : {}),
  };
}

/** A device whose step failed is left alone this long (the ledger or the token may be recovering). */
const FAILURE_BACKOFF_MS = 30_000;

/** Runs `work` over `items` with at most `limit` at once. */
async function pooled<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Publishes each device's next epoch before the active one ends (validUntil − lead), publishes one at once for
 * a device whose active epoch was invalidated, and collects invalidated epochs' shards once their retention has
 * passed. Every step is a transaction of the generator, so the ledger records it; the schedule itself is only
 * a cache of the ledger, rebuilt on start.
 */
export class ShardRotationScheduler {
  readonly #generator: ShardGenerator;
  readonly #logger: Logger;
  readonly #tickMs: number;
  readonly #refreshMs: number;
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #devices = new Map<string, DeviceSchedule>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<FleetStepResult> | undefined;
  #lastRefresh = 0;
  #stopped = false;

  constructor(options: RotationSchedulerOptions) {
    this.#generator = options.generator;
    this.#logger = options.logger;
    this.#tickMs = options.tickMs ?? 1_000;
    this.#refreshMs = options.refreshMs ?? 60_000;
    this.#concurrency = options.concurrency ?? 16;
    this.#now = options.now ?? Date.now;
  }

  /** Reads every device the generator holds a key for from the ledger, then ticks until stopped. */
  async start(): Promise<void> {
    await this.refresh();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) {
      return;
    }
    this.#timer = setTimeout(() => {
      void this.tick()
        .catch((error: unknown) =>
          this.#logger.warn({ error: errorText(error) }, 'shard schedule tick failed'),
        )
        .finally(() => this.#schedule());
    }, this.#tickMs);
    this.#timer.unref();
  }

  async refresh(): Promise<void> {
    const ids = this.#generator.deviceIds();
    await pooled(ids, this.#concurrency, async (deviceId) => {
      await this.track(deviceId);
    });
    for (const known of [...this.#devices.keys()]) {
      if (!ids.includes(known)) {
        this.#devices.delete(known);
      }
    }
    this.#lastRefresh = this.#now();
  }

  /** Reads one device from the ledger into the schedule (after provisioning, revocation or a change by others). */
  async track(deviceId: string): Promise<void> {
    const summary = await this.#generator.ledger.device(deviceId);
    const schedule = summary ? scheduleOf(summary, this.#generator.policy.retentionMs) : undefined;
    if (schedule) {
      this.#devices.set(deviceId, schedule);
    } else {
      this.#devices.delete(deviceId);
    }
  }

  /** When each device's next step is due: its rotation and its collection, for health and the CLI. */
  dueTimes(deviceId: string): { rotateAt?: number; collectAt?: number } | undefined {
    const schedule = this.#devices.get(deviceId);
    if (!schedule) {
      return undefined;
    }
    return {
      ...(schedule.validUntil === undefined
        ? {}
        : { rotateAt: schedule.validUntil - this.#generator.policy.leadMs }),
      ...(schedule.collectDueAt === undefined ? {} : { collectAt: schedule.collectDueAt }),
    };
  }

  get trackedDevices(): number {
    return this.#devices.size;
  }

  /** One pass: everything due now. Runs one pass at a time; a second call waits for the first. */
  tick(): Promise<FleetStepResult> {
    if (!this.#running) {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
      });
    }
    return this.#running;
  }

  async #tick(): Promise<FleetStepResult> {
    if (this.#now() - this.#lastRefresh >= this.#refreshMs) {
      await this.refresh();
    }
    const now = this.#now();
    const lead = this.#generator.policy.leadMs;
    const ready = [...this.#devices.entries()].filter(([, s]) => s.retryAt === undefined || s.retryAt <= now);
    const rotations = ready
      .filter(([, s]) => s.validUntil === undefined || s.validUntil - lead <= now)
      .map(([deviceId]) => deviceId);
    const collections = ready
      .filter(([, s]) => s.collectDueAt !== undefined && s.collectDueAt <= now)
      .map(([deviceId]) => deviceId);
    return this.#run(rotations, collections);
  }

  /** Rotates the given devices now, whatever their schedule (fleet rotation; the bench's 1 000 devices). */
  rotateNow(deviceIds: readonly string[]): Promise<FleetStepResult> {
    return this.#run(deviceIds, []);
  }

  async #run(rotations: readonly string[], collections: readonly string[]): Promise<FleetStepResult> {
    const rotated: { deviceId: string; epoch: number }[] = [];
    const collected: { deviceId: string; deleted: number }[] = [];
    const failed: { deviceId: string; error: string }[] = [];
    await pooled(rotations, this.#concurrency, async (deviceId) => {
      try {
        const map = await this.#generator.rotate(deviceId);
        rotated.push({ deviceId, epoch: map.epoch });
      } catch (error) {
        failed.push({ deviceId, error: errorText(error) });
      }
      await this.track(deviceId).catch(() => undefined);
    });
    await pooled(collections, this.#concurrency, async (deviceId) => {
      try {
        const result = await this.#generator.collect(deviceId);
        collected.push({ deviceId, deleted: result.deleted });
      } catch (error) {
        failed.push({ deviceId, error: errorText(error) });
      }
      await this.track(deviceId).catch(() => undefined);
    });
    for (const failure of failed) {
      const schedule = this.#devices.get(failure.deviceId);
      if (schedule) {
        this.#devices.set(failure.deviceId, { ...schedule, retryAt: this.#now() + FAILURE_BACKOFF_MS });
      }
      this.#logger.warn(failure, 'scheduled shard step failed; retried after a back-off');
    }
    if (rotated.length + collected.length > 0) {
      this.#logger.info({ rotated: rotated.length, collected: collected.length }, 'shard schedule step');
    }
    return { rotated, collected, failed };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }
}
