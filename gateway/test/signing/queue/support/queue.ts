import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningQueue, type Clock, type SigningQueueOptions } from '../../../../src/signing/queue';

/** A clock that moves only when told to: leases expire exactly when a test says. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A fresh data folder per test, removed after it; queues opened through it are closed first. */
export class QueueFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'keyledger-signing-queue-'));
  readonly #open: SigningQueue[] = [];

  open(options: Partial<SigningQueueOptions> = {}): SigningQueue {
    // 'normal' keeps the tests quick; durability across a crash of the process is the same.
    const queue = SigningQueue.open({ dataDir: this.dir, durability: 'normal', ...options });
    this.#open.push(queue);
    return queue;
  }

  remove(): void {
    for (const queue of this.#open) queue.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
