import { QueueClosedError } from './errors';
import type { Job } from './job';

/**
 * Wakes whoever waits for a job when this process finishes it, and polls for jobs finished elsewhere (another
 * process on the same file cannot signal this one). Deadlines are real time, not the queue's clock: a test
 * clock that stands still must not make a wait last forever.
 */
export class CompletionWaiter {
  readonly #wakers = new Map<string, Set<() => void>>();
  #closed = false;

  /** Wakes the waiters of these jobs (they re-read the job, so a spurious wake-up is harmless). */
  notify(jobIds: Iterable<string>): void {
    for (const id of jobIds) {
      for (const wake of this.#wakers.get(id) ?? []) wake();
    }
  }

  /** Wakes every waiter; their waits then fail with QueueClosedError. */
  close(): void {
    this.#closed = true;
    for (const wakers of this.#wakers.values()) for (const wake of wakers) wake();
  }

  /**
   * Resolves with the job once `read` shows it done, or with its state when `timeoutMs` has passed.
   * Rejects with the signal's reason when `signal` aborts.
   */
  async wait(
    jobId: string,
    read: () => Job,
    options: Readonly<{ timeoutMs: number; pollMs: number; signal?: AbortSignal }>,
  ): Promise<Job> {
    const deadline = performance.now() + options.timeoutMs;
    for (;;) {
      if (this.#closed) throw new QueueClosedError();
      options.signal?.throwIfAborted();
      const job = read();
      const left = deadline - performance.now();
      if (job.done || left <= 0) return job;
      await this.#sleep(jobId, Math.min(options.pollMs, left), options.signal);
    }
  }

  #sleep(jobId: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wakers = this.#wakers.get(jobId) ?? new Set<() => void>();
      this.#wakers.set(jobId, wakers);
      const wake = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        wakers.delete(wake);
        if (wakers.size === 0 && this.#wakers.get(jobId) === wakers) this.#wakers.delete(jobId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
