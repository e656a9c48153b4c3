import { LoadTracker } from '../../../src/providers/orchestrator/loadTracker';
import { ManualClock } from './support';

describe('LoadTracker', () => {
  it('counts in-flight calls and ends each once', () => {
    const clock = new ManualClock();
    const tracker = new LoadTracker({ clock: clock.read });
    const endA = tracker.begin('p1');
    const endB = tracker.begin('p1');
    expect(tracker.snapshot('p1').inFlight).toBe(2);
    endA({ latencyMs: 10, ok: true });
    endA({ latencyMs: 10, ok: true });
    expect(tracker.snapshot('p1')).toMatchObject({ inFlight: 1, observed: 1 });
    endB({ latencyMs: 10, ok: false });
    expect(tracker.snapshot('p1')).toMatchObject({ inFlight: 0, observed: 2 });
  });

  it('jumps to a slower answer at once (peak) and follows faster ones by exp(-Δt/τ)', () => {
    const clock = new ManualClock();
    const tracker = new LoadTracker({ clock: clock.read, tauMs: 2_000 });
    tracker.begin('p1')({ latencyMs: 100, ok: true });
    expect(tracker.snapshot('p1').ewmaMs).toBe(100);
    tracker.begin('p1')({ latencyMs: 400, ok: true });
    expect(tracker.snapshot('p1').ewmaMs).toBe(400);
    clock.advance(2_000);
    const end = tracker.begin('p1');
    end({ latencyMs: 100, ok: true });
    const w = Math.exp(-1);
    expect(tracker.snapshot('p1').ewmaMs).toBeCloseTo(400 * w + 100 * (1 - w), 9);
  });

  it('decays an idle provider toward the floor when read, and a slow answer puts it back up', () => {
    const clock = new ManualClock();
    const tracker = new LoadTracker({ clock: clock.read, tauMs: 2_000, floorMs: 1 });
    tracker.begin('slow')({ latencyMs: 500, ok: true });
    clock.advance(4_000);
    expect(tracker.snapshot('slow').ewmaMs).toBeCloseTo(500 * Math.exp(-2), 9);
    clock.advance(60_000);
    expect(tracker.snapshot('slow').ewmaMs).toBe(1);
    tracker.begin('slow')({ latencyMs: 500, ok: true });
    expect(tracker.snapshot('slow').ewmaMs).toBe(500);
  });

  it('reports the floor for a provider it never saw', () => {
    expect(new LoadTracker({ floorMs: 2 }).snapshot('x')).toEqual({ inFlight: 0, ewmaMs: 2, observed: 0 });
  });
});
