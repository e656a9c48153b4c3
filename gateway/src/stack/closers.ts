import type { Logger } from 'pino';

/** What a part of the stack must undo when it stops, last started first. */
export interface Closers {
  push(close: () => Promise<void> | void): void;
  /** Runs every closer once, newest first; a failing one is logged and the rest still run. */
  stop(): Promise<void>;
}

export function closers(logger: Logger, what: string): Closers {
  const pending: (() => Promise<void> | void)[] = [];
  return {
    push(close): void {
      pending.push(close);
    },
    async stop(): Promise<void> {
      for (const close of pending.splice(0).reverse()) {
        try {
          await close();
        } catch (error) {
          logger.warn({ err: error }, `error while stopping ${what}`);
        }
      }
    },
  };
}
