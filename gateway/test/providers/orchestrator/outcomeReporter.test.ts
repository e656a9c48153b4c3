import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from '../../../src/fabric';
import type { OutcomeInput, ReportedOutcome } from '../../../src/providers/ledger';
import { callsIn } from '../../../src/providers/orchestrator/outcomeTally';
import {
  OutcomeReporter,
  type OutcomeReporterOptions,
} from '../../../src/providers/orchestrator/outcomeReporter';
import { ManualClock } from './support';

interface Sent {
  readonly batchId: string;
  readonly outcomes: readonly ReportedOutcome[];
}

const calls = (outcomes: readonly ReportedOutcome[] | undefined): number =>
  (outcomes ?? []).reduce((sum, outcome) => sum + callsIn(outcome), 0);

/** A ledger that keeps batches by id, refusing a known id with CONFLICT, as RecordOutcomes does. */
class FakeLedger {
  readonly batches = new Map<string, readonly ReportedOutcome[]>();
  readonly calls: Sent[] = [];
  failNext = 0;
  /** Records the batch but loses the answer. */
  loseAnswerNext = 0;

  readonly sink = async (batchId: string, outcomes: readonly ReportedOutcome[]): Promise<void> => {
    this.calls.push({ batchId, outcomes });
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new LedgerError({ kind: 'UNAVAILABLE', message: 'no peer answered' });
    }
    if (this.batches.has(batchId)) {
      throw new LedgerError({ kind: 'CONFLICT', message: `batch ${batchId} already recorded` });
    }
    this.batches.set(batchId, outcomes);
    if (this.loseAnswerNext > 0) {
      this.loseAnswerNext -= 1;
      throw new LedgerError({ kind: 'COMMIT_UNKNOWN', message: 'commit status unknown' });
    }
  };

  outcomeCount(): number {
    return [...this.batches.values()].reduce((sum, batch) => sum + calls(batch), 0);
  }
}

function outcome(i: number): OutcomeInput {
  return { providerId: `p${i % 3}`, success: i % 5 !== 0, latencyMs: i, at: 1_000 + i };
}

function make(
  ledger: FakeLedger,
  clock: ManualClock,
  extra: Partial<OutcomeReporterOptions> = {},
): OutcomeReporter {
  return new OutcomeReporter({
    orchestratorId: 'orch-1',
    sink: ledger.sink,
    flushIntervalMs: 60_000,
    flushEvery: 10,
    retryBackoffMs: 1_000,
    clock: clock.read,
    ...extra,
  });
}

const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OutcomeReporter', () => {
  it('flushes on its own once flushEvery calls wait, one tally per provider, in batches of at most maxBatch', async () => {
    const ledger = new FakeLedger();
    const clock = new ManualClock(5_000);
    const reporter = make(ledger, clock, { flushEvery: 10, maxBatch: 2 });
    for (let i = 0; i < 9; i += 1) {
      reporter.record(outcome(i));
    }
    await flushMicrotasks();
    expect(ledger.calls).toHaveLength(0);
    reporter.record(outcome(9));
    await flushMicrotasks();
    await reporter.flush();
    // p0: calls 0 3 6 9 (0 and 5 fail… only 0 here), p1: 1 4 7, p2: 2 5 8 (5 fails): three tallies, two batches.
    expect(ledger.calls.map((call) => [call.batchId, call.outcomes.length, calls(call.outcomes)])).toEqual([
      ['orch-1-5000-1', 2, 7],
      ['orch-1-5000-2', 1, 3],
    ]);
    expect(ledger.calls[0]?.outcomes[0]).toEqual({
      providerId: 'p0',
      from: 1_000,
      to: 1_009,
      successes: 3,
      failures: 1,
      successLatencyMs: 3 + 6 + 9,
      failureLatencyMs: 0,
      lastSuccessAt: 1_009,
      lastFailureAt: 1_000,
    });
    expect(reporter.stats()).toMatchObject({ received: 10, recorded: 10, batchesConfirmed: 2, pending: 0 });
  });

  it('sends one batch per flush however many calls wait, a tally per provider and hour', async () => {
    const ledger = new FakeLedger();
    const reporter = make(ledger, new ManualClock(), { flushEvery: 1_000_000 });
    const hour = 3_600_000;
    for (let i = 0; i < 20_000; i += 1) {
      reporter.record({ providerId: `p${i % 3}`, success: true, latencyMs: 2, at: 10 * hour - 10_000 + i });
    }
    await reporter.flush();
    expect(ledger.calls).toHaveLength(1);
    // The calls straddle an hour boundary: each provider has a tally on either side of it.
    expect(
      ledger.calls[0]?.outcomes.map((o) => ('from' in o ? [o.providerId, o.from < 10 * hour] : o)),
    ).toEqual([
      ['p0', true],
      ['p1', true],
      ['p2', true],
      ['p0', false],
      ['p1', false],
      ['p2', false],
    ]);
    expect(calls(ledger.calls[0]?.outcomes)).toBe(20_000);
    expect(reporter.stats()).toMatchObject({ received: 20_000, recorded: 20_000, batchesConfirmed: 1 });
  });

  it('flushes on the interval once started', async () => {
    jest.useFakeTimers();
    try {
      const ledger = new FakeLedger();
      const reporter = make(ledger, new ManualClock(), { flushIntervalMs: 5_000, flushEvery: 1_000 });
      reporter.start();
      reporter.record(outcome(1));
      await jest.advanceTimersByTimeAsync(4_999);
      expect(ledger.calls).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(ledger.calls).toHaveLength(1);
      await reporter.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries the same batch (same id, same outcomes) after failures, with backoff, never re-cutting it', async () => {
    const ledger = new FakeLedger();
    const clock = new ManualClock(7_000);
    const reporter = make(ledger, clock, { flushEvery: 1_000 });
    for (let i = 0; i < 3; i += 1) {
      reporter.record(outcome(i));
    }
    ledger.failNext = 2;
    await reporter.flush();
    reporter.record(outcome(3)); // arrives while the first batch is failing: a batch of its own
    await reporter.flush(); // within the backoff: cuts, does not send
    expect(ledger.calls).toHaveLength(1);
    clock.advance(1_000);
    await reporter.flush(); // second failure: backoff doubles
    clock.advance(1_999);
    await reporter.flush();
    expect(ledger.calls).toHaveLength(2);
    clock.advance(1);
    await reporter.flush();
    expect(ledger.calls.map((call) => call.batchId)).toEqual([
      'orch-1-7000-1',
      'orch-1-7000-1',
      'orch-1-7000-1',
      'orch-1-7000-2',
    ]);
    expect(ledger.calls[2]?.outcomes).toEqual(ledger.calls[0]?.outcomes);
    expect(reporter.stats()).toMatchObject({
      recorded: 4,
      batchesSent: 4,
      retries: 2,
      batchesConfirmed: 2,
      pending: 0,
    });
    expect(reporter.stats().lastError).toContain('no peer answered');
  });

  it('counts a CONFLICT answer as recorded: the batch was recorded and its answer lost', async () => {
    const ledger = new FakeLedger();
    const clock = new ManualClock();
    const reporter = make(ledger, clock, { retryBackoffMs: 0 });
    reporter.record(outcome(1));
    reporter.record(outcome(2));
    ledger.loseAnswerNext = 1;
    await reporter.flush();
    expect(reporter.stats()).toMatchObject({ recorded: 0, pending: 2 });
    await reporter.flush();
    expect(ledger.calls.map((call) => call.batchId)).toEqual([
      ledger.calls[0]?.batchId,
      ledger.calls[0]?.batchId,
    ]);
    expect(reporter.stats()).toMatchObject({ recorded: 2, pending: 0, batchesConfirmed: 1 });
    expect(ledger.outcomeCount()).toBe(2);
  });

  describe('with a journal', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'outcomes-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('resends what a previous run left, with the original ids, and nothing twice', async () => {
      const journalPath = join(dir, 'outcomes.json');
      const ledger = new FakeLedger();
      const clock = new ManualClock(9_000);
      const first = make(ledger, clock, { journalPath, maxBatch: 1, flushEvery: 1_000 });
      for (let i = 0; i < 5; i += 1) {
        first.record(outcome(i));
      }
      ledger.loseAnswerNext = 1; // batch 1 is on the ledger, but the reporter does not know
      ledger.failNext = 0;
      await first.flush(); // batch 1 answer lost: batches 1-3 stay pending, in the journal
      expect(first.stats()).toMatchObject({ pending: 5, pendingBatches: 3 });
      // The process dies here. A new run, same clock millisecond (the ids must still not collide).
      const second = make(ledger, clock, { journalPath, maxBatch: 1, flushEvery: 1_000, retryBackoffMs: 0 });
      expect(second.recover()).toBe(5);
      second.record(outcome(5));
      await second.flush();
      const ids = ledger.calls.map((call) => call.batchId);
      expect(ids).toEqual([
        'orch-1-9000-1',
        'orch-1-9000-1',
        'orch-1-9000-2',
        'orch-1-9000-3',
        'orch-1-9001-1',
      ]);
      expect(ledger.outcomeCount()).toBe(6);
      expect(second.stats()).toMatchObject({ recorded: 6, pending: 0 });
      // A third run finds nothing left to send.
      const third = make(ledger, clock, { journalPath });
      expect(third.recover()).toBe(0);
    });

    it('stop() flushes what it can and leaves the rest journaled', async () => {
      const journalPath = join(dir, 'outcomes.json');
      const ledger = new FakeLedger();
      const clock = new ManualClock();
      const reporter = make(ledger, clock, { journalPath, flushEvery: 1_000 });
      reporter.record(outcome(1));
      ledger.failNext = 1;
      const stats = await reporter.stop(1_000);
      expect(stats).toMatchObject({ pending: 1, recorded: 0 });
      const next = make(ledger, clock, { journalPath });
      expect(next.recover()).toBe(1);
      expect((await next.stop(1_000)).recorded).toBe(1);
    });
  });
});
