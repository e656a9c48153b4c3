import { KeyScheduler, type PendingSigningKey } from '../../../src/signing/service/keyScheduler';
import { parseRotationPolicy } from '../../../src/signing/service/rotationSchedule';

const HOUR = 3_600_000;

describe('KeyScheduler (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-01-31T00:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('waits past the longest timer for a monthly rotation, publishing an hour ahead and activating on time', async () => {
    const steps: string[] = [];
    let active = { kid: 'k1', activatedAt: Date.now() };
    let pending: PendingSigningKey | undefined;
    const scheduler: KeyScheduler = new KeyScheduler({
      keys: {
        active: () => active,
        pending: () => pending,
        publishNext: async (kid) => {
          steps.push(`publish for ${kid} at ${new Date().toISOString()}`);
          pending = { kid: 'k2', issuerCaIds: ['ca1'], publishedAt: Date.now() };
        },
        activateNext: async (kid) => {
          steps.push(`activate for ${kid} at ${new Date().toISOString()}`);
          active = { kid: 'k2', activatedAt: Date.now() };
          pending = undefined;
        },
        recover: async () => undefined,
      },
      policy: parseRotationPolicy({ every: 'monthly' }),
      clock: Date.now,
    });
    scheduler.plan();
    // Jan 31 + P1M = Feb 28, 28 days: beyond setTimeout's 24.8 days, so in two legs.
    await jest.advanceTimersByTimeAsync(25 * 24 * HOUR);
    expect(steps).toEqual([]);
    await jest.advanceTimersByTimeAsync(3 * 24 * HOUR - HOUR);
    expect(steps).toEqual(['publish for k1 at 2026-02-27T23:00:00.000Z']);
    expect(scheduler.schedule()).toMatchObject({
      nextKid: 'k2',
      nextRotationAt: Date.parse('2026-02-28T00:00:00Z'),
    });
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(steps).toEqual([
      'publish for k1 at 2026-02-27T23:00:00.000Z',
      'activate for k1 at 2026-02-28T00:00:00.000Z',
    ]);
    expect(scheduler.schedule()).toEqual({
      every: 'monthly',
      nextRotationAt: Date.parse('2026-03-28T00:00:00Z'),
    });
    scheduler.stop();
  });

  it('backs off after failures, doubling the wait each time, until a key is active', async () => {
    const tries: number[] = [];
    let failing = 3;
    let active: { kid: string; activatedAt: number } | undefined;
    const start = Date.now();
    const scheduler = new KeyScheduler({
      keys: {
        active: () => active,
        pending: () => undefined,
        publishNext: async () => undefined,
        activateNext: async () => undefined,
        recover: async () => {
          tries.push(Date.now() - start);
          if (failing > 0) {
            failing -= 1;
            throw new Error('CA down');
          }
          active = { kid: 'k1', activatedAt: Date.now() };
        },
      },
      clock: Date.now,
      retryMs: 1000,
    });
    scheduler.plan();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(tries).toEqual([0, 1000, 3000, 7000]);
    // No policy: with a key active, nothing more is planned.
    expect(jest.getTimerCount()).toBe(0);
    scheduler.stop();
  });
});
