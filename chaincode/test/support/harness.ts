import { createHash } from 'node:crypto';
import { JSONSerializer } from 'fabric-contract-api';
import type { TestIdentity } from './identities';
import { MockLedger } from './ledger';
import { MockStub } from './stub';

// The contract router fabric-shim itself uses: it builds the metadata, checks that the function is a
// decorated transaction, marshals parameters, runs before/around/after hooks and turns errors into status 500.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
  contracts: unknown[],
  serializers: unknown,
  metadata: unknown,
  title: string,
  version: string,
) => { Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }> };

export interface ChaincodeEvent {
  readonly name: string;
  readonly payload: Record<string, unknown>;
}

export interface TxResult<T = unknown> {
  readonly txId: string;
  readonly value: T;
  readonly raw: string;
  readonly event?: ChaincodeEvent;
}

/** A chaincode error as the client sees it: status 500 and the chaincode's message. */
export class ChaincodeResponseError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type ContractClass = new () => unknown;

/**
 * Runs transactions against one chaincode the way a peer does: a fresh stub per transaction over committed
 * state; a submitted transaction's writes are committed only if the chaincode answered 200; an evaluated
 * one is never committed. The tx timestamp advances one second per transaction unless set.
 */
export class ChaincodeHarness {
  readonly ledger = new MockLedger();
  readonly #chaincode: InstanceType<typeof ChaincodeFromContract>;
  #clockMillis = Date.UTC(2026, 0, 1);
  #txCounter = 0;

  constructor(contracts: ContractClass[]) {
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
    this.#chaincode = new ChaincodeFromContract([...contracts], serializers, {}, 'keyledger', '0.1.0');
  }

  get now(): number {
    return this.#clockMillis;
  }

  setTime(millis: number): void {
    this.#clockMillis = millis;
  }

  advance(millis: number): void {
    this.#clockMillis += millis;
  }

  /** Endorse and commit. Throws {@link ChaincodeResponseError} (and commits nothing) when the chaincode fails. */
  async submit<T = unknown>(who: TestIdentity, fn: string, ...args: string[]): Promise<TxResult<T>> {
    return this.#run<T>(who, fn, args, true);
  }

  /** Simulate only, as `evaluateTransaction` does. */
  async evaluate<T = unknown>(who: TestIdentity, fn: string, ...args: string[]): Promise<TxResult<T>> {
    return this.#run<T>(who, fn, args, false);
  }

  async #run<T>(who: TestIdentity, fn: string, args: string[], commit: boolean): Promise<TxResult<T>> {
    this.#txCounter += 1;
    this.#clockMillis += 1000;
    const txId = createHash('sha256').update(`tx-${this.#txCounter}`).digest('hex');
    const stub = new MockStub(this.ledger, {
      txId,
      channelId: 'keyledger',
      timestampMillis: this.#clockMillis,
      creator: { mspid: who.mspId, idBytes: Buffer.from(who.certPem, 'utf8') },
      fcn: fn,
      params: args,
    });
    const response = await this.#chaincode.Invoke(stub);
    if (response.status !== 200) {
      throw new ChaincodeResponseError(response.status, response.message ?? '');
    }
    if (commit) {
      this.ledger.commit(txId, this.#clockMillis, stub.writes);
    }
    const raw = Buffer.from(response.payload ?? new Uint8Array()).toString('utf8');
    const event = stub.event
      ? {
          name: stub.event.name,
          payload: JSON.parse(stub.event.payload.toString('utf8')) as Record<string, unknown>,
        }
      : undefined;
    return { txId, raw, value: (raw === '' ? undefined : JSON.parse(raw)) as T, event };
  }

  /**
   * Asserts a submit is rejected with the given error code and that the world state is unchanged after it.
   * Returns the error message for further checks.
   */
  async expectRejected(who: TestIdentity, fn: string, args: string[], code: string): Promise<string> {
    const before = JSON.stringify(this.ledger.dump());
    let message: string | undefined;
    try {
      await this.submit(who, fn, ...args);
    } catch (error) {
      message = (error as Error).message;
    }
    if (message === undefined) {
      throw new Error(`expected ${fn} to be rejected with [${code}], but it succeeded`);
    }
    if (!message.startsWith(`[${code}]`)) {
      throw new Error(`expected ${fn} to be rejected with [${code}], got: ${message}`);
    }
    if (JSON.stringify(this.ledger.dump()) !== before) {
      throw new Error(`${fn} was rejected but changed the world state`);
    }
    return message;
  }
}
