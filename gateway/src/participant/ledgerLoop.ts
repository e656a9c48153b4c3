import { checkpointers, type ChaincodeEvent, type Checkpointer } from '@hyperledger/fabric-gateway';
import { EventFollower } from '../fabric';
import { errorText } from '../logging';
import type { Participant } from './participant';

/** How an agent follows chaincode events; every agent's options take these. */
export interface FollowOptions {
  /** Follow chaincode events for prompt reactions (default true); the poll alone works too. */
  readonly followEvents?: boolean;
  /** File keeping the event position, so a restarted participant resumes where it stopped (default: memory). */
  readonly checkpointPath?: string;
  /**
   * First block to follow from when there is no checkpoint yet (default: the next block committed). The
   * start-up catch-up covers everything before it.
   */
  readonly startBlock?: bigint;
}

export interface LedgerLoopOptions {
  readonly participant: Pick<Participant, 'connection' | 'logger'>;
  readonly follow: FollowOptions;
  /** How often `poll` runs: the fallback for events missed while the stream was down. */
  readonly pollIntervalMs: number;
  /** Delay before the first poll (default: one interval). */
  readonly firstPollDelayMs?: number;
  /** Handles one event; the event is checkpointed only after this resolves. */
  readonly onEvent: (event: ChaincodeEvent) => Promise<void>;
  /** One pass over the ledger state; a failure is logged by the caller and the next poll runs as planned. */
  readonly poll: () => Promise<void>;
}

/**
 * How every agent stays current with the ledger: chaincode events from a checkpoint (reconnecting when the
 * stream drops), plus a periodic poll as the fallback for anything missed. `stop` ends both and waits for the
 * event or poll in progress, so an agent's own stop only has its own work left to finish.
 */
export class LedgerLoop {
  readonly #options: LedgerLoopOptions;
  #follower: EventFollower | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;
  #started = false;

  constructor(options: LedgerLoopOptions) {
    this.#options = options;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  async start(): Promise<void> {
    if (this.#started) {
      throw new Error('ledger loop already started');
    }
    this.#started = true;
    const options = this.#options;
    const { connection, logger } = options.participant;
    const follow = options.follow;
    if (follow.followEvents ?? true) {
      const checkpointer: Checkpointer = follow.checkpointPath
        ? await checkpointers.file(follow.checkpointPath)
        : checkpointers.inMemory();
      this.#follower = new EventFollower({
        network: connection.network,
        chaincode: connection.config.chaincode,
        checkpointer,
        ...(follow.startBlock !== undefined ? { startBlock: follow.startBlock } : {}),
        reconnectDelayMs: 500,
        onError: (error) =>
          logger.warn({ error: errorText(error) }, 'event stream failed; resuming from the checkpoint'),
      });
      this.#follower.start((event) => (this.#stopped ? Promise.resolve() : options.onEvent(event)));
    }
    this.#schedule(options.firstPollDelayMs ?? options.pollIntervalMs);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) {
      return;
    }
    this.#timer = setTimeout(() => {
      this.#polling = this.#options
        .poll()
        .catch(() => undefined)
        .finally(() => {
          this.#polling = undefined;
          this.#schedule(this.#options.pollIntervalMs);
        });
    }, delayMs);
  }

  /** Stops following and polling; resolves once the event handler and poll in progress have finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    await this.#follower?.stop().catch(() => undefined);
    await this.#polling;
  }
}
