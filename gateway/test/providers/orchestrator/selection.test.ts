import fc from 'fast-check';
import type { BreakerSnapshot } from '../../../src/providers/orchestrator/breaker';
import {
  NoCandidateError,
  selectProvider,
  type SelectionCandidate,
} from '../../../src/providers/orchestrator/selection';
import { CLOSED, profile, seededRandom } from './support';

const OPEN: BreakerSnapshot = { ...CLOSED, state: 'open', consecutiveFailures: 3, openUntil: 9e15 };

function candidate(
  id: string,
  overrides: Partial<Omit<SelectionCandidate, 'profile'>> = {},
  region = 'eu-west',
): SelectionCandidate {
  return {
    profile: profile(id, { region }),
    inFlight: 0,
    ewmaMs: 10,
    breaker: CLOSED,
    recorded: 100,
    recentShare: 0,
    ...overrides,
  };
}

describe('selectProvider', () => {
  it('computes weight = score × load × proximity × availability and explains the choice', () => {
    const explanation = selectProvider({
      candidates: [
        candidate('p2', { ewmaMs: 50, inFlight: 1 }),
        candidate('p1', { ewmaMs: 50 }),
        candidate('p3', { breaker: OPEN }),
      ],
      callerRegion: 'eu-west',
      random: () => 0,
    });
    // load(p1) = 50 / (50 + 50 × 1) = 0.5 ; load(p2) = 50 / (50 + 50 × 2) = 1/3
    expect(explanation.candidates.map((c) => [c.providerId, c.weight, c.eligible])).toEqual([
      ['p1', 0.5, true],
      ['p2', 0.3333, true],
      ['p3', 0, false],
    ]);
    expect(explanation.candidates[2]?.excludedBecause).toBe('circuit open');
    expect(explanation.sampled).toEqual(['p1', 'p2']);
    expect(explanation.chosen).toBe('p1');
    expect(explanation.panic).toBe(false);
    expect(explanation.reason).toContain('p1 (weight 0.5) beats p2');
  });

  it('prefers a provider in the caller region (proximity 1 against 0.5)', () => {
    const random = seededRandom(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1_000; i += 1) {
      const { chosen } = selectProvider({
        candidates: [candidate('far', {}, 'us-east'), candidate('near', {}, 'eu-west')],
        callerRegion: 'eu-west',
        random,
      });
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    expect(counts.get('near')).toBe(1_000);
  });

  it('never ejects every provider: when no circuit allows a call, all are considered (panic)', () => {
    const explanation = selectProvider({
      candidates: [candidate('p1', { breaker: OPEN }), candidate('p2', { breaker: OPEN, ewmaMs: 100 })],
      callerRegion: 'eu-west',
      random: seededRandom(1),
    });
    expect(explanation.panic).toBe(true);
    expect(explanation.chosen).toBe('p1');
    expect(explanation.reason).toMatch(/^panic: /);
    expect(explanation.candidates.every((c) => c.eligible)).toBe(true);
  });

  it('caps a new provider near its slow-start share', () => {
    const random = seededRandom(42);
    const history: string[] = [];
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i += 1) {
      const window = history.slice(-100);
      const share = window.length === 0 ? 0 : window.filter((id) => id === 'new').length / window.length;
      const { chosen } = selectProvider({
        // The newcomer looks best (it has never been measured), which is what slow start guards against.
        candidates: [
          candidate('a'),
          candidate('b'),
          candidate('c'),
          candidate('new', { ewmaMs: 1, recorded: 0, recentShare: share }),
        ],
        callerRegion: 'eu-west',
        random,
      });
      history.push(chosen);
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    const newShare = (counts.get('new') ?? 0) / 2_000;
    expect(newShare).toBeGreaterThan(0.07);
    expect(newShare).toBeLessThanOrEqual(0.11);
  });

  it('does not apply slow start when nothing established is available', () => {
    const explanation = selectProvider({
      candidates: [
        candidate('n1', { recorded: 0, recentShare: 0.5 }),
        candidate('n2', { recorded: 0, recentShare: 0.5 }),
      ],
      callerRegion: 'eu-west',
      random: () => 0,
    });
    expect(explanation.candidates.every((c) => c.eligible && c.slowStart)).toBe(true);
  });

  it('skips excluded and suspended providers, and says when none is left', () => {
    const suspended: SelectionCandidate = {
      ...candidate('s'),
      profile: profile('s', { status: 'suspended' }),
    };
    const explanation = selectProvider({
      candidates: [candidate('p1'), candidate('p2'), suspended],
      callerRegion: 'eu-west',
      random: () => 0.99,
      exclude: new Set(['p2']),
    });
    expect(explanation.chosen).toBe('p1');
    expect(explanation.sampled).toEqual(['p1']);
    expect(explanation.candidates.find((c) => c.providerId === 's')?.excludedBecause).toBe(
      'provider is suspended',
    );
    expect(() =>
      selectProvider({
        candidates: [candidate('p1')],
        callerRegion: 'x',
        random: () => 0,
        exclude: new Set(['p1']),
      }),
    ).toThrow(NoCandidateError);
  });

  it('property: weights are in [0, 1] and the choice is eligible, or any non-excluded provider in panic', () => {
    const breaker = fc.constantFrom<BreakerSnapshot>(
      CLOSED,
      OPEN,
      { ...CLOSED, state: 'half-open', probeInFlight: false },
      { ...CLOSED, state: 'half-open', probeInFlight: true },
    );
    const arbitraryCandidate = fc.record({
      score: fc.integer({ min: 0, max: 10_000 }),
      inFlight: fc.nat(50),
      ewmaMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
      breaker,
      recorded: fc.nat(40),
      recentShare: fc.double({ min: 0, max: 1, noNaN: true }),
      region: fc.constantFrom('eu-west', 'us-east'),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryCandidate, { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (raw, r) => {
          const candidates = raw.map((c, i) => ({
            ...candidate(`p${i}`, c),
            profile: profile(`p${i}`, { score: c.score, region: c.region }),
          }));
          const explanation = selectProvider({ candidates, callerRegion: 'eu-west', random: () => r });
          for (const c of explanation.candidates) {
            expect(c.weight).toBeGreaterThanOrEqual(0);
            expect(c.weight).toBeLessThanOrEqual(1);
          }
          const chosen = explanation.candidates.find((c) => c.providerId === explanation.chosen);
          expect(chosen?.eligible).toBe(true);
          if (!explanation.panic) {
            expect(chosen?.breaker === 'closed' || chosen?.breaker === 'half-open').toBe(true);
          }
          expect(explanation.sampled).toContain(explanation.chosen);
        },
      ),
    );
  });
});
