import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ChaincodeEvent,
  Checkpointer,
  CloseableAsyncIterable,
  Network,
} from '@hyperledger/fabric-gateway';

export interface EventFollowerOptions {
  readonly network: Network;
  readonly chaincode: string;
  /** Where the position is kept; a file checkpointer (fabric-gateway `checkpointers.file`) survives restarts. */
  readonly checkpointer: Checkpointer;
  /** First block to read when the checkpointer holds no position yet. */
  readonly startBlock?: bigint;
  readonly reconnectDelayMs?: number;
  readonly onError?: (error: unknown) => void;
}

export type EventHandler = (event: ChaincodeEvent) => Promise<void>;

/**
 * Follows chaincode events and keeps going: fabric-gateway's stream ends when the peer restarts or the network
 * drops and does not reconnect by itself, so this reopens it from the checkpoint. An event is checkpointed only
 * after its handler finished, so a crash replays at most the event being handled — never skips one.
 */
export class EventFollower {
  readonly #options: EventFollowerOptions;
  #stream?: CloseableAsyncIterable<ChaincodeEvent>;
  #stopped = false;
  #running?: Promise<void>;

  constructor(options: EventFollowerOptions) {
    this.#options = options;
  }

  start(handler: EventHandler): void {
    if (this.#running) {
      throw new Error('event follower already started');
    }
    this.#running = this.#run(handler);
  }

  async #run(handler: EventHandler): Promise<void> {
    const { network, chaincode, checkpointer } = this.#options;
    while (!this.#stopped) {
      try {
        const hasCheckpoint = checkpointer.getBlockNumber() !== undefined;
        this.#stream = await network.getChaincodeEvents(chaincode, {
          checkpoint: checkpointer,
          ...(!hasCheckpoint && this.#options.startBlock !== undefined
            ? { startBlock: this.#options.startBlock }
            : {}),
        });
        // stop() may have run while the stream was being opened: it found no stream to close, and this one
        // would otherwise wait for the next event before noticing. Reading starts before the close so that the
        // call's CANCELLED status has a listener (an unread stream would raise it as an unhandled error).
        if (this.#stopped) {
          const reading = this.#stream[Symbol.asyncIterator]();
          const pending = reading.next().catch(() => undefined);
          this.#stream.close();
          await pending;
          break;
        }
        for await (const event of this.#stream) {
          await handler(event);
          await checkpointer.checkpointChaincodeEvent(event);
          if (this.#stopped) {
            break;
          }
        }
      } catch (error) {
        if (this.#stopped) {
          break;
        }
        this.#options.onError?.(error);
      } finally {
        this.#stream?.close();
        this.#stream = undefined;
      }
      if (!this.#stopped) {
        await sleep(this.#options.reconnectDelayMs ?? 1_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stream?.close();
    await this.#running;
  }
}

/** The JSON payload of a KeyLedger chaincode event (canonical JSON), or undefined when it is not JSON. */
export function eventPayload<T extends object>(
  event: Pick<ChaincodeEvent, 'payload'>,
): Partial<T> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(event.payload).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}
