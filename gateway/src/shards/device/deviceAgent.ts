import type { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import type { shards } from '@keyledger/chaincode/protocol';
import { eventPayload } from '../../fabric';
import { errorText } from '../../logging';
import { LedgerLoop, type FollowOptions, type Participant } from '../../participant';
import { DeviceRefusalError } from '../errors';
import type { DeviceClient } from './deviceClient';

/** Events after which a device looks at the ledger again (for its own id only). */
const DEVICE_EVENTS = new Set(['ShardMapPublished', 'EpochInvalidated', 'DeviceRevoked', 'ShardsCollected']);

export interface DeviceAgentOptions {
  readonly client: DeviceClient;
  readonly participant: Pick<Participant, 'connection' | 'logger'>;
  /** The authentication cycle's poll: the fallback for events missed (default 30 s). */
  readonly pollIntervalMs?: number;
  readonly follow?: FollowOptions;
  /** Called when the device picks up an epoch it did not hold before. */
  readonly onEpoch?: (map: shards.ReportedShardMap) => void;
}

/** What the device holds now, as its last authentication cycle found it. */
export interface DeviceState {
  readonly deviceId: string;
  readonly enrolled: boolean;
  /** The epoch the device checked it can sign with (its map, shards and public key verified). */
  readonly epoch?: number;
  readonly validUntil?: number;
  readonly lastCycleAt?: number;
  /** Why the last cycle found no usable epoch (a refusal code or an error text). */
  readonly problem?: string;
}

/**
 * A device's authentication cycle: on start, on each chaincode event about the device and on every poll it
 * takes its K_dev if it has not yet, then checks the active epoch end to end (shards rebuilt, public key
 * matched, nothing signed). A device that was offline across epoch boundaries catches up on its first cycle:
 * only the active epoch matters, the ones in between were superseded.
 */
export class DeviceAgent {
  readonly #client: DeviceClient;
  readonly #options: DeviceAgentOptions;
  readonly #loop: LedgerLoop;
  #state: DeviceState;
  #cycle: Promise<void> | undefined;
  #again = false;

  constructor(options: DeviceAgentOptions) {
    this.#client = options.client;
    this.#options = options;
    this.#state = { deviceId: options.client.deviceId, enrolled: options.client.enrolled };
    this.#loop = new LedgerLoop({
      participant: options.participant,
      follow: options.follow ?? {},
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
      onEvent: (event) => this.#onEvent(event),
      poll: () => this.cycle(),
    });
  }

  get state(): DeviceState {
    return this.#state;
  }

  async start(): Promise<void> {
    await this.cycle();
    await this.#loop.start();
  }

  async #onEvent(event: ChaincodeEvent): Promise<void> {
    if (!DEVICE_EVENTS.has(event.eventName)) {
      return;
    }
    const payload = eventPayload<{ deviceId: string }>(event);
    if (payload?.deviceId === this.#client.deviceId) {
      await this.cycle();
    }
  }

  /** One authentication cycle; cycles asked for while one runs are folded into one more. */
  cycle(): Promise<void> {
    if (this.#cycle) {
      this.#again = true;
      return this.#cycle;
    }
    this.#cycle = (async () => {
      do {
        this.#again = false;
        await this.#runCycle();
      } while (this.#again && !this.#loop.stopped);
    })().finally(() => {
      this.#cycle = undefined;
    });
    return this.#cycle;
  }

  async #runCycle(): Promise<void> {
    const logger = this.#options.participant.logger;
    const previous = this.#state.epoch;
    try {
      await this.#client.enrol();
      const map = await this.#client.check();
      this.#state = {
        deviceId: this.#client.deviceId,
        enrolled: true,
        epoch: map.epoch,
        validUntil: map.validUntil,
        lastCycleAt: Date.now(),
      };
      if (previous !== map.epoch) {
        logger.info(
          { deviceId: this.#client.deviceId, epoch: map.epoch, previous: previous ?? null },
          'picked up epoch',
        );
        this.#options.onEpoch?.(map);
      }
    } catch (error) {
      const problem = error instanceof DeviceRefusalError ? error.code : errorText(error);
      this.#state = {
        deviceId: this.#client.deviceId,
        enrolled: this.#client.enrolled,
        lastCycleAt: Date.now(),
        problem,
      };
      logger.warn({ deviceId: this.#client.deviceId, problem }, 'authentication cycle found no usable epoch');
    }
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#cycle?.catch(() => undefined);
  }
}
