import { providers } from '@keyledger/chaincode/protocol';
import type { OutcomeInput, ReportedOutcome } from '../ledger';

type Tally = providers.OutcomeTally;

/** How many calls a reported outcome stands for. */
export function callsIn(outcome: ReportedOutcome): number {
  return 'success' in outcome ? 1 : outcome.successes + outcome.failures;
}

/** A single outcome as the tally of its one call. */
export function tallyOf(outcome: OutcomeInput): Tally {
  const latencyMs = Math.max(0, Math.round(outcome.latencyMs));
  return {
    providerId: outcome.providerId,
    from: outcome.at,
    to: outcome.at,
    successes: outcome.success ? 1 : 0,
    failures: outcome.success ? 0 : 1,
    successLatencyMs: outcome.success ? latencyMs : 0,
    failureLatencyMs: outcome.success ? 0 : latencyMs,
    ...(outcome.success ? { lastSuccessAt: outcome.at } : { lastFailureAt: outcome.at }),
  };
}

function latest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** Two tallies of one provider in one window as one. */
export function mergeTallies(a: Tally, b: Tally): Tally {
  const lastSuccessAt = latest(a.lastSuccessAt, b.lastSuccessAt);
  const lastFailureAt = latest(a.lastFailureAt, b.lastFailureAt);
  return {
    providerId: a.providerId,
    from: Math.min(a.from, b.from),
    to: Math.max(a.to, b.to),
    successes: a.successes + b.successes,
    failures: a.failures + b.failures,
    successLatencyMs: a.successLatencyMs + b.successLatencyMs,
    failureLatencyMs: a.failureLatencyMs + b.failureLatencyMs,
    ...(lastSuccessAt === undefined ? {} : { lastSuccessAt }),
    ...(lastFailureAt === undefined ? {} : { lastFailureAt }),
  };
}

/**
 * Outcomes folded into one tally per provider and reputation window, the form RecordOutcomes stores as one entry:
 * the ledger's cost becomes a transaction per flush whatever the request rate. A tally never grows past
 * `maxCalls` per side (the chaincode's limit); the next call starts another.
 */
export class OutcomeTallies {
  readonly #maxCalls: number;
  readonly #open = new Map<string, Tally>();
  readonly #full: Tally[] = [];
  #calls = 0;

  constructor(maxCalls = 1_000_000) {
    this.#maxCalls = maxCalls;
  }

  /** Calls waiting. */
  get calls(): number {
    return this.#calls;
  }

  add(outcome: ReportedOutcome): void {
    const tally = 'success' in outcome ? tallyOf(outcome) : outcome;
    const key = `${tally.providerId}\u0000${providers.reputationWindowOf(tally.from)}`;
    const open = this.#open.get(key);
    if (open === undefined) {
      this.#open.set(key, tally);
    } else if (
      open.successes + tally.successes > this.#maxCalls ||
      open.failures + tally.failures > this.#maxCalls
    ) {
      this.#full.push(open);
      this.#open.set(key, tally);
    } else {
      this.#open.set(key, mergeTallies(open, tally));
    }
    this.#calls += callsIn(tally);
  }

  /** Every tally, oldest window first, then by provider; empties the set. */
  take(): Tally[] {
    const windowOf = providers.reputationWindowOf;
    const all = [...this.#full, ...this.#open.values()].sort(
      (a, b) =>
        windowOf(a.from) - windowOf(b.from) ||
        (a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0) ||
        a.from - b.from,
    );
    this.#open.clear();
    this.#full.length = 0;
    this.#calls = 0;
    return all;
  }

  /** The tallies without taking them (for the journal). */
  peek(): Tally[] {
    return [...this.#full, ...this.#open.values()];
  }
}
