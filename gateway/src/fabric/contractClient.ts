import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractProtocol, EvaluateFunction, SubmitFunction } from '@keyledger/chaincode/protocol';
import { toLedgerError } from './errors';
import type { ContractTransport, LedgerAccess } from './ledgerAccess';

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
 * JSON in, JSON out over one contract of the chaincode, accepting only the function names its protocol
 * declares — a submit of a read-only function, or a name the chaincode does not have, does not compile.
 * Errors come back as {@link LedgerError} with the chaincode's own message. A submit that loses an MVCC race,
 * or finds no endpoint answering, is endorsed again with exponential backoff and jitter, so concurrent writers
 * converge instead of failing; a submit whose commit status is unknown is never repeated.
 */
export class ContractClient<C extends ContractProtocol> {
  readonly protocol: C;
  readonly #contract: ContractTransport;
  readonly #retry: RetryPolicy;

  constructor(access: LedgerAccess, protocol: C, retry: RetryPolicy = DEFAULT_RETRY) {
    this.protocol = protocol;
    this.#contract = access.contract(protocol.name);
    this.#retry = retry;
  }

  async evaluate<T>(fn: EvaluateFunction<C>, ...args: string[]): Promise<T> {
    try {
      return parse<T>(await this.#contract.evaluateTransaction(fn, ...args));
    } catch (error) {
      throw toLedgerError(error);
    }
  }

  async submit<T>(fn: SubmitFunction<C>, ...args: string[]): Promise<T> {
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
