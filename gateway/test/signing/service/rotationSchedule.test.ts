import fc from 'fast-check';
import { ServiceError } from '../../../src/errors';
import { addDuration, averageMs, InvalidRotationPolicyError } from '../../../src/signing/service/isoDuration';
import {
  nextRotationAt,
  parseRotationPolicy,
  publishAt,
} from '../../../src/signing/service/rotationSchedule';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Activation times from 1970 to 2200, whole milliseconds. */
const instant = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) });

describe('parseRotationPolicy', () => {
  it.each([
    ['daily', 'P1D'],
    ['weekly', 'P1W'],
    ['monthly', 'P1M'],
  ])('%s is %s', (named, duration) => {
    const a = parseRotationPolicy({ every: named });
    const b = parseRotationPolicy({ every: duration });
    expect(a.period).toEqual(b.period);
    expect(a.every).toBe(named);
  });

  it('reads durations and anchored intervals', () => {
    expect(parseRotationPolicy({ every: 'PT1H' }).period).toMatchObject({ hours: 1 });
    expect(parseRotationPolicy({ every: 'P1Y2M3DT4H5M6S' }).period).toEqual({
      years: 1,
      months: 2,
      weeks: 0,
      days: 3,
      hours: 4,
      minutes: 5,
      seconds: 6,
    });
    expect(parseRotationPolicy({ every: 'R/2026-12-01T00:00:00Z/P1D' })).toMatchObject({
      anchor: at('2026-12-01T00:00:00Z'),
      period: { days: 1 },
    });
    expect(parseRotationPolicy({ every: 'R/2026-12-01T01:30:00+01:30/PT1H' }).anchor).toBe(
      at('2026-12-01T00:00:00Z'),
    );
  });

  it('defaults publishAhead to a tenth of the period, at most an hour', () => {
    expect(parseRotationPolicy({ every: 'PT30S' }).publishAheadMs).toBe(3_000);
    expect(parseRotationPolicy({ every: 'PT1H' }).publishAheadMs).toBe(360_000);
    expect(parseRotationPolicy({ every: 'daily' }).publishAheadMs).toBe(3_600_000);
    expect(parseRotationPolicy({ every: 'PT4S', publishAhead: 'PT2S' }).publishAheadMs).toBe(2_000);
    expect(parseRotationPolicy({ every: 'monthly', publishAhead: 'P2D' }).publishAheadMs).toBe(172_800_000);
  });

  it.each([
    [{ every: '' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'hourly' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'P' }, 'every', 'empty'],
    [{ every: 'PT' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'P1DT' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'PT0S' }, 'every', 'empty'],
    [{ every: 'P1.5D' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'P1W2D' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'P1H' }, 'every', 'not an ISO 8601 duration'],
    [{ every: '-P1D' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'PT0.5S' }, 'every', 'not an ISO 8601 duration'],
    [{ every: 'PT999999S' }, 'every', 'above'],
    [{ every: 'R5/2026-12-01T00:00:00Z/P1D' }, 'every', 'unbounded repeating interval'],
    [{ every: 'R/2026-12-01T00:00:00Z' }, 'every', 'unbounded repeating interval'],
    [{ every: 'R/2026-12-01T00:00:00/P1D' }, 'every', 'with a zone'],
    [{ every: 'R/2026-02-30T00:00:00Z/P1D' }, 'every', 'not a valid date'],
    [{ every: 'R/2026-12-01T24:00:00Z/P1D' }, 'every', 'not a valid date'],
    [{ every: 'R/2100-02-29T00:00:00Z/P1Y' }, 'every', 'not a valid date'],
    [{ every: 'R/P1D/2026-12-01T00:00:00Z' }, 'every', 'not an ISO 8601 date-time'],
    [{ every: 'PT4S', publishAhead: 'PT4S' }, 'publishAhead', 'not shorter than the period'],
    [{ every: 'monthly', publishAhead: 'P1M' }, 'publishAhead', 'years or months'],
    [{ every: 'daily', publishAhead: 'soon' }, 'publishAhead', 'not an ISO 8601 duration'],
    [{ every: 'daily', publishAhead: 'PT0S' }, 'publishAhead', 'empty'],
  ])('refuses %j (%s: %s)', (input, field, why) => {
    let thrown: unknown;
    try {
      parseRotationPolicy(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRotationPolicyError);
    expect(thrown).toBeInstanceOf(ServiceError);
    const error = thrown as InvalidRotationPolicyError;
    expect(error).toMatchObject({ field, problemType: 'invalid-request', httpStatus: 400 });
    expect(error.message).toContain(`invalid rotation ${field}`);
    expect(error.message).toContain(why);
  });
});

describe('nextRotationAt', () => {
  it('adds calendar months, clamped to the end of the month', () => {
    const monthly = parseRotationPolicy({ every: 'monthly' });
    expect(iso(nextRotationAt(monthly, at('2026-01-31T10:00:00Z')))).toBe('2026-02-28T10:00:00.000Z');
    expect(iso(nextRotationAt(monthly, at('2028-01-31T10:00:00Z')))).toBe('2028-02-29T10:00:00.000Z');
    expect(iso(nextRotationAt(monthly, at('2026-12-15T00:00:00Z')))).toBe('2027-01-15T00:00:00.000Z');
    const yearly = parseRotationPolicy({ every: 'P1Y' });
    expect(iso(nextRotationAt(yearly, at('2028-02-29T00:00:00Z')))).toBe('2029-02-28T00:00:00.000Z');
  });

  it('follows the grid of an anchored interval', () => {
    const daily = parseRotationPolicy({ every: 'R/2026-12-01T00:00:00Z/P1D' });
    expect(iso(nextRotationAt(daily, at('2026-11-01T12:00:00Z')))).toBe('2026-12-01T00:00:00.000Z');
    expect(iso(nextRotationAt(daily, at('2026-12-01T00:00:00Z')))).toBe('2026-12-02T00:00:00.000Z');
    expect(iso(nextRotationAt(daily, at('2027-03-05T23:59:59Z')))).toBe('2027-03-06T00:00:00.000Z');
    const endOfMonth = parseRotationPolicy({ every: 'R/2026-01-31T00:00:00Z/P1M' });
    expect(iso(nextRotationAt(endOfMonth, at('2026-02-10T00:00:00Z')))).toBe('2026-02-28T00:00:00.000Z');
    // start + 2·P1M, not (start + P1M) + P1M: the grid keeps its day.
    expect(iso(nextRotationAt(endOfMonth, at('2026-03-01T00:00:00Z')))).toBe('2026-03-31T00:00:00.000Z');
    expect(publishAt(daily, at('2026-12-02T00:00:00Z'))).toBe(at('2026-12-01T23:00:00Z'));
  });

  it('is always later than the activation', () => {
    const policies = [
      'PT30S',
      'PT1H',
      'daily',
      'weekly',
      'monthly',
      'P1Y2M',
      'R/2026-12-01T00:00:00Z/P1D',
      'R/2001-01-31T05:00:00Z/P1M',
      'R/2096-02-29T00:00:00Z/P1Y',
    ].map((every) => parseRotationPolicy({ every }));
    fc.assert(
      fc.property(fc.constantFrom(...policies), instant, (policy, activatedAt) => {
        expect(nextRotationAt(policy, activatedAt)).toBeGreaterThan(activatedAt);
      }),
    );
  });

  it('anchored: the first time of the grid after the activation', () => {
    const anchored = fc.record({
      anchor: instant,
      every: fc.constantFrom('PT7S', 'PT1H', 'P1D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P1DT2H'),
      // Where the activation lies, in periods from the start (before it, too).
      periods: fc.double({ min: -5, max: 3000, noNaN: true }),
    });
    fc.assert(
      fc.property(anchored, ({ anchor, every, periods }) => {
        const policy = parseRotationPolicy({ every: `R/${iso(anchor).replace(/\.\d+Z$/, 'Z')}/${every}` });
        const start = policy.anchor as number;
        const activatedAt = start + Math.round(periods * averageMs(policy.period));
        const next = nextRotationAt(policy, activatedAt);
        // On the grid: start + k·period for some k ≥ 0 …
        const k = Array.from({ length: 4000 }, (_, i) => i).find(
          (i) => addDuration(start, policy.period, i) >= next,
        );
        expect(k).toBeDefined();
        expect(addDuration(start, policy.period, k!)).toBe(next);
        // … and the first one after the activation.
        expect(next).toBeGreaterThan(activatedAt);
        if (k! > 0) {
          expect(addDuration(start, policy.period, k! - 1)).toBeLessThanOrEqual(activatedAt);
        }
      }),
      { numRuns: 200, examples: [[{ anchor: at('2026-01-31T00:00:00Z'), every: 'P1M', periods: 1.05 }]] },
    );
  });

  it('monthly: the same day of the next month, or its last day when it has fewer', () => {
    const monthly = parseRotationPolicy({ every: 'monthly' });
    fc.assert(
      fc.property(instant, (activatedAt) => {
        const from = new Date(activatedAt);
        const next = new Date(nextRotationAt(monthly, activatedAt));
        const months =
          (next.getUTCFullYear() - from.getUTCFullYear()) * 12 + next.getUTCMonth() - from.getUTCMonth();
        expect(months).toBe(1);
        const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
        expect(next.getUTCDate()).toBe(Math.min(from.getUTCDate(), lastDay));
        expect(next.getTime() % 86_400_000).toBe(activatedAt % 86_400_000);
      }),
    );
  });
});
