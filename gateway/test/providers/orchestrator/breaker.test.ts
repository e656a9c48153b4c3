import { CircuitBreaker } from '../../../src/providers/orchestrator/breaker';

describe('CircuitBreaker', () => {
  it('opens after 3 consecutive failures, and a success in between resets the count', () => {
    const breaker = new CircuitBreaker();
    breaker.onFailure(0);
    breaker.onFailure(0);
    breaker.onSuccess();
    breaker.onFailure(0);
    breaker.onFailure(0);
    expect(breaker.allows(0)).toBe(true);
    breaker.onFailure(10);
    expect(breaker.snapshot(10)).toEqual({
      state: 'open',
      consecutiveFailures: 3,
      openUntil: 1_010,
      openMs: 1_000,
      probeInFlight: false,
    });
    expect(breaker.allows(1_009)).toBe(false);
  });

  it('turns half-open after the interval and admits exactly one probe at a time', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) {
      breaker.onFailure(0);
    }
    expect(breaker.state(1_000)).toBe('half-open');
    expect(breaker.allows(1_000)).toBe(true);
    expect(breaker.acquireProbe(1_000)).toBe(true);
    expect(breaker.allows(1_000)).toBe(false);
    expect(breaker.acquireProbe(1_001)).toBe(false);
    breaker.releaseProbe(); // the caller gave up: the slot is free again
    expect(breaker.acquireProbe(1_002)).toBe(true);
    breaker.onSuccess();
    expect(breaker.snapshot(1_003)).toMatchObject({ state: 'closed', consecutiveFailures: 0, openMs: 1_000 });
  });

  it('doubles the open interval on each failed probe, up to maxOpenMs, and resets it on success', () => {
    const breaker = new CircuitBreaker({ baseOpenMs: 1_000, maxOpenMs: 5_000 });
    let now = 0;
    for (let i = 0; i < 3; i += 1) {
      breaker.onFailure(now);
    }
    const intervals: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const until = breaker.snapshot(now).openUntil as number;
      intervals.push(until - now);
      now = until;
      expect(breaker.acquireProbe(now)).toBe(true);
      breaker.onFailure(now);
    }
    expect(intervals).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    now = breaker.snapshot(now).openUntil as number;
    expect(breaker.acquireProbe(now)).toBe(true);
    breaker.onSuccess();
    for (let i = 0; i < 3; i += 1) {
      breaker.onFailure(now);
    }
    expect(breaker.snapshot(now).openUntil).toBe(now + 1_000);
  });

  it('ignores the late success of a call that started before the circuit opened', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) {
      breaker.onFailure(0);
    }
    breaker.onSuccess();
    expect(breaker.state(500)).toBe('open');
  });
});
