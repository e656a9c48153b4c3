import type { CaClient } from './caClient';

export type CaHealthState = 'unknown' | 'healthy' | 'unhealthy';

export interface CaHealth {
  readonly caId: string;
  readonly state: CaHealthState;
  /** ISO time of the last check (periodic, or a request the validator made). */
  readonly lastCheckedAt?: string;
  readonly lastError?: string;
}

export interface CaHealthMonitorOptions {
  /** Between periodic checks (default 10 s). */
  readonly intervalMs?: number;
  /** Per check (default 2 s). */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/**
 * The health of each configured CA: GET /health on an interval, and what the validator learns from its own
 * calls (a CRL fetch that fails marks the CA unhealthy at once; one that succeeds marks it healthy).
 */
export class CaHealthMonitor {
  readonly #clients: readonly CaClient[];
  readonly #states = new Map<string, CaHealth>();
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(clients: readonly CaClient[], options: CaHealthMonitorOptions = {}) {
    this.#clients = clients;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#now = options.now ?? ((): Date => new Date());
    for (const client of clients) {
      this.#states.set(client.id, { caId: client.id, state: 'unknown' });
    }
  }

  /** Checks now, then every interval until {@link stop}. The timer does not keep the process alive. */
  start(): Promise<void> {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.checkAll(), this.#intervalMs);
      this.#timer.unref();
    }
    return this.checkAll();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round of checks (a round already under way is shared, not doubled). */
  checkAll(): Promise<void> {
    this.#running ??= Promise.all(this.#clients.map((client) => this.#check(client))).then(
      () => {
        this.#running = undefined;
      },
      () => {
        this.#running = undefined;
      },
    );
    return this.#running;
  }

  async #check(client: CaClient): Promise<void> {
    try {
      const health = await client.health(this.#timeoutMs);
      if (health['status'] !== 'ok') {
        throw new Error(`health says ${String(health['status'])}`);
      }
      this.markHealthy(client.id);
    } catch (error) {
      this.markUnhealthy(client.id, error);
    }
  }

  markHealthy(caId: string): void {
    this.#states.set(caId, { caId, state: 'healthy', lastCheckedAt: this.#now().toISOString() });
  }

  markUnhealthy(caId: string, error: unknown): void {
    this.#states.set(caId, {
      caId,
      state: 'unhealthy',
      lastCheckedAt: this.#now().toISOString(),
      lastError: error instanceof Error ? error.message : String(error),
    });
  }

  get(caId: string): CaHealth {
    return this.#states.get(caId) ?? { caId, state: 'unknown' };
  }

  all(): CaHealth[] {
    return this.#clients.map((client) => this.get(client.id));
  }
}
