import { QueueClosedError } from './errors';
import type { Job } from './job';

/** How the waiter learns of jobs other processes finished: by the finishing order the database keeps. */
export interface FinishedJobs {
  /** The highest finishing number now (0 when no job has finished). */
  latest(): number;
  /** Jobs that finished after `after`, with their numbers. */
  since(after: number): readonly { readonly id: string; readonly finishedSeq: number }[];
}

interface Sleeper {
  readonly wake: () => void;
  /** The finishing number before the waiter last read its job: anything after it may concern it. */
  readonly mark: number;
}

/**
 * Wakes whoever waits for a job when this process finishes it, and polls for jobs finished elsewhere (another
 * process on the same file cannot signal this one) — one poll per interval for all waiters, which reads only the
 * jobs that finished since the last one, however many wait. Deadlines are real time, not the queue's clock: a
 * test clock that stands still must not make a wait last forever.
 */
export class CompletionWaiter {
  readonly #finished: FinishedJobs;
  readonly #pollMs: number;
  readonly #sleepers = new Map<string, Set<Sleeper>>();
  #cursor = Number.POSITIVE_INFINITY;
  #ticker: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(finished: FinishedJobs, pollMs: number) {
    this.#finished = finished;
    this.#pollMs = pollMs;
  }

  /** Wakes the waiters of these jobs (they re-read the job, so a spurious wake-up is harmless). */
  notify(jobIds: Iterable<string>): void {
    for (const id of jobIds) {
      for (const sleeper of [...(this.#sleepers.get(id) ?? [])]) sleeper.wake();
    }
  }

  /** Wakes every waiter; their waits then fail with QueueClosedError. */
  close(): void {
    this.#closed = true;
    for (const sleepers of [...this.#sleepers.values()]) for (const sleeper of [...sleepers]) sleeper.wake();
    this.#stopTicker();
  }

  /**
   * Resolves with the job once `read` shows it done, or with its state when `timeoutMs` has passed.
   * Rejects with the signal's reason when `signal` aborts.
   */
  async wait(
    jobId: string,
    read: () => Job,
    options: Readonly<{ timeoutMs: number; signal?: AbortSignal }>,
  ): Promise<Job> {
    const deadline = performance.now() + options.timeoutMs;
    for (;;) {
      if (this.#closed) throw new QueueClosedError();
      options.signal?.throwIfAborted();
      // Taken before the read: a job another process finishes after it is found by the next poll.
      const mark = this.#finished.latest();
      const job = read();
      const left = deadline - performance.now();
      if (job.done || left <= 0) return job;
      await this.#sleep(jobId, mark, left, options.signal);
    }
  }

  #sleep(jobId: string, mark: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const sleepers = this.#sleepers.get(jobId) ?? new Set<Sleeper>();
      this.#sleepers.set(jobId, sleepers);
      const sleeper: Sleeper = {
        mark,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', sleeper.wake);
          sleepers.delete(sleeper);
          if (sleepers.size === 0 && this.#sleepers.get(jobId) === sleepers) this.#sleepers.delete(jobId);
          if (this.#sleepers.size === 0) this.#stopTicker();
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, ms);
      sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
      this.#cursor = Math.min(this.#cursor, mark);
      this.#ticker ??= setInterval(() => this.#poll(), this.#pollMs);
    });
  }

  #poll(): void {
    if (this.#sleepers.size === 0) {
      this.#stopTicker();
      return;
    }
    let finished: readonly { readonly id: string; readonly finishedSeq: number }[];
    try {
      finished = this.#finished.since(this.#cursor);
    } catch {
      // The database is busy or closed: the waiters' own deadlines still end their waits.
      return;
    }
    for (const { id, finishedSeq } of finished) {
      this.#cursor = Math.max(this.#cursor, finishedSeq);
      for (const sleeper of [...(this.#sleepers.get(id) ?? [])]) sleeper.wake();
    }
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#cursor = Number.POSITIVE_INFINITY;
  }
}
