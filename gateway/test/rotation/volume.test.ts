import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from '../../src/fabric';
import { VolumeJournal } from '../../src/rotation/volumeJournal';
import { VolumeReporter, type VolumeReport } from '../../src/rotation/volume';

function reporter(options: { every?: number; fail?: (report: VolumeReport) => Error | undefined } = {}): {
  reporter: VolumeReporter;
  reports: VolumeReport[];
  clock: { now: number };
} {
  const reports: VolumeReport[] = [];
  const clock = { now: 1_000 };
  return {
    reports,
    clock,
    reporter: new VolumeReporter({
      sink: async (report) => {
        const error = options.fail?.(report);
        if (error) {
          throw error;
        }
        reports.push(report);
      },
      flushIntervalMs: 60_000,
      flushEveryMessages: options.every ?? 1_000,
      clock: () => clock.now,
    }),
  };
}

describe('VolumeReporter', () => {
  it('aggregates per queue and version into contiguous windows', async () => {
    const { reporter: volume, reports, clock } = reporter();
    const a1 = volume.counter('a', 1);
    const b2 = volume.counter('b', 2);
    expect(volume.counter('a', 1)).toBe(a1);
    for (let i = 0; i < 5; i += 1) {
      volume.record(a1);
    }
    volume.record(b2);
    clock.now = 2_000;
    await volume.flush();
    expect(reports).toEqual([
      { queueId: 'a', version: 1, count: 5, windowStart: 1_000, windowEnd: 2_000 },
      { queueId: 'b', version: 2, count: 1, windowStart: 1_000, windowEnd: 2_000 },
    ]);
    await volume.flush(); // nothing new: no call
    expect(reports).toHaveLength(2);
    volume.record(a1);
    clock.now = 2_500;
    await volume.flush();
    expect(reports[2]).toEqual({ queueId: 'a', version: 1, count: 1, windowStart: 2_000, windowEnd: 2_500 });
  });

  it('flushes on its own once flushEveryMessages are waiting, not once per message', async () => {
    const { reporter: volume, reports } = reporter({ every: 10 });
    const counter = volume.counter('a', 1);
    for (let i = 0; i < 25; i += 1) {
      volume.record(counter);
    }
    await new Promise((resolve) => setImmediate(resolve));
    await volume.flush();
    expect(reports.reduce((sum, report) => sum + report.count, 0)).toBe(25);
    expect(reports.length).toBeLessThanOrEqual(2);
  });

  it('never lets a window go backwards, even when the clock does', async () => {
    const { reporter: volume, reports, clock } = reporter();
    const counter = volume.counter('a', 1);
    volume.record(counter);
    clock.now = 5_000;
    await volume.flush();
    clock.now = 4_000;
    volume.record(counter);
    await volume.flush();
    expect(reports[1]).toEqual({ queueId: 'a', version: 1, count: 1, windowStart: 5_000, windowEnd: 5_000 });
  });

  it('resends the same window after a transient failure, then continues after it', async () => {
    let failures = 1;
    const {
      reporter: volume,
      reports,
      clock,
    } = reporter({
      fail: () =>
        failures-- > 0 ? new LedgerError({ kind: 'UNAVAILABLE', message: 'peer down' }) : undefined,
    });
    const counter = volume.counter('a', 1);
    volume.record(counter);
    volume.record(counter);
    clock.now = 2_000;
    await volume.flush();
    expect(reports).toEqual([]);
    expect(volume.stats.unreported).toBe(2);
    volume.record(counter);
    clock.now = 3_000;
    await volume.flush();
    expect(reports).toEqual([
      { queueId: 'a', version: 1, count: 2, windowStart: 1_000, windowEnd: 2_000 },
      { queueId: 'a', version: 1, count: 1, windowStart: 2_000, windowEnd: 3_000 },
    ]);
    expect(volume.stats).toEqual({ reports: 2, failures: 1, unreported: 0 });
  });

  it('drops a report the ledger already has (CONFLICT on a resent window) instead of counting it twice', async () => {
    const { reporter: volume, reports } = reporter({
      fail: (report) =>
        report.count === 7
          ? new LedgerError({ kind: 'CONFLICT', message: 'window starts before' })
          : undefined,
    });
    const counter = volume.counter('a', 1);
    for (let i = 0; i < 7; i += 1) {
      volume.record(counter);
    }
    await volume.flush();
    expect(reports).toEqual([]);
    expect(volume.stats.unreported).toBe(0);
  });

  it('reports what is left when stopped and forgets retired counters', async () => {
    const { reporter: volume, reports } = reporter();
    const counter = volume.counter('a', 1);
    volume.record(counter);
    volume.retire(counter);
    await volume.stop();
    expect(reports).toHaveLength(1);
    expect(volume.counter('a', 1)).not.toBe(counter);
  });
});

describe('VolumeReporter with a journal: a crash never undercounts', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-volume-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function withJournal(path: string, reports: VolumeReport[]): VolumeReporter {
    return new VolumeReporter({
      sink: async (report) => {
        reports.push(report);
      },
      flushIntervalMs: 60_000,
      flushEveryMessages: 1_000_000,
      reserveBlock: 1_000,
      journal: new VolumeJournal(path),
    });
  }

  it('reports a crashed run’s whole reservation: at least what was sealed, at most a block more', async () => {
    const path = join(dir, 'volume.json');
    const reports: VolumeReport[] = [];
    const first = withJournal(path, reports);
    const counter = first.counter('q', 1);
    for (let i = 0; i < 1_500; i += 1) {
      first.record(counter);
    }
    // kill -9: the first reporter is abandoned, nothing flushed.
    const second = withJournal(path, reports);
    expect(second.recover()).toBe(2_000);
    await second.flush();
    const total = reports.reduce((sum, report) => sum + report.count, 0);
    expect(total).toBeGreaterThanOrEqual(1_500);
    expect(total).toBeLessThan(1_500 + 1_000);
  });

  it('does not report again what the ledger confirmed before the crash', async () => {
    const path = join(dir, 'volume.json');
    const before: VolumeReport[] = [];
    const first = withJournal(path, before);
    const counter = first.counter('q', 1);
    for (let i = 0; i < 300; i += 1) {
      first.record(counter);
    }
    await first.flush();
    for (let i = 0; i < 200; i += 1) {
      first.record(counter);
    }
    const after: VolumeReport[] = [];
    const second = withJournal(path, after);
    second.recover();
    await second.flush();
    expect(before.map((report) => report.count)).toEqual([300]);
    expect(after.map((report) => report.count)).toEqual([700]); // reserved 1000 − confirmed 300 ≥ the 200 lost
    // Once reported and retired, a restart has nothing left to recover.
    const third = withJournal(path, []);
    expect(third.recover()).toBe(0);
  });

  it('a version taken into use again after the restart keeps counting from the recovered ceiling', async () => {
    const path = join(dir, 'volume.json');
    const reports: VolumeReport[] = [];
    const first = withJournal(path, reports);
    const counter = first.counter('q', 1);
    first.record(counter);
    const second = withJournal(path, reports);
    second.recover();
    const again = second.counter('q', 1);
    second.record(again);
    await second.flush();
    expect(reports.reduce((sum, report) => sum + report.count, 0)).toBe(1_001);
    expect(new VolumeJournal(path).get('q', 1)).toMatchObject({ reported: 1_001 });
  });
});
