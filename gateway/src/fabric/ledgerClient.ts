import type { Contract } from '@hyperledger/fabric-gateway';
import { setTimeout as sleep } from 'node:timers/promises';
import { toLedgerError } from './errors';

export interface RetryPolicy {
  /** Attempts in all, first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 25, maxDelayMs: 1_000 };

const utf8 = new TextDecoder();

function parse<T>(bytes: Uint8Array): T {
  const text = utf8.decode(bytes);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * JSON in, JSON out over one contract of the chaincode. Errors come back as LedgerError with the chaincode's
 * own message and an HTTP-like status. A submit that loses an MVCC race is re-endorsed against the new state
 * with exponential backoff and jitter, so concurrent writers converge instead of failing.
 */
export class LedgerClient {
  readonly #contract: Contract;
  readonly #retry: RetryPolicy;

  constructor(contract: Contract, retry: RetryPolicy = DEFAULT_RETRY) {
    this.#contract = contract;
    this.#retry = retry;
  }

  async evaluate<T>(fn: string, ...args: string[]): Promise<T> {
    try {
      return parse<T>(await this.#contract.evaluateTransaction(fn, ...args));
    } catch (error) {
      throw toLedgerError(error);
    }
  }

  async submit<T>(fn: string, ...args: string[]): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return parse<T>(await this.#contract.submitTransaction(fn, ...args));
      } catch (error) {
        const mapped = toLedgerError(error);
        if (!mapped.retryable || attempt >= this.#retry.attempts) {
          throw mapped;
        }
        const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.floor(ceiling / 2 + Math.random() * (ceiling / 2)));
      }
    }
  }
}
