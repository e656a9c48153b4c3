import { ServiceError } from '../../errors';
import type { ScoredProvider } from '../ledger';
import type { BreakerSnapshot, BreakerState } from './breaker';

export interface SlowStartOptions {
  /** A provider is new while fewer than this many of its outcomes were recorded here (default 20). */
  readonly records?: number;
  /** How many of the latest selections its share is measured over (default 100). */
  readonly window?: number;
  /** A new provider is eligible while its share of the window is below this (default 0.1). */
  readonly maxShare?: number;
}

export interface SelectionOptions {
  /** L of the load factor `L / (L + ewma × (inFlight + 1))`, in ms (default 50). */
  readonly referenceLatencyMs?: number;
  /** Proximity factor of a provider in the caller's region (default 1). */
  readonly sameRegion?: number;
  /** Proximity factor of a provider in another region (default 0.5). */
  readonly otherRegion?: number;
  readonly slowStart?: SlowStartOptions;
}

/** What selection knows of one candidate. */
export interface SelectionCandidate {
  readonly profile: ScoredProvider;
  readonly inFlight: number;
  readonly ewmaMs: number;
  readonly breaker: BreakerSnapshot;
  /** Outcomes recorded for it by this orchestrator. */
  readonly recorded: number;
  /** Its share (0..1) of the latest selections (at most `slowStart.window` of them). */
  readonly recentShare: number;
}

export interface SelectionInput {
  readonly candidates: readonly SelectionCandidate[];
  readonly callerRegion: string;
  /** Uniform in [0, 1): Math.random, or a seeded generator in tests. */
  readonly random: () => number;
  /** Providers that already failed this request. */
  readonly exclude?: ReadonlySet<string>;
  readonly options?: Readonly<SelectionOptions>;
}

export interface CandidateExplanation {
  readonly providerId: string;
  readonly region: string;
  readonly score: number;
  readonly proximity: number;
  readonly inFlight: number;
  /** Rounded to 0.1 ms. */
  readonly ewmaMs: number;
  readonly breaker: BreakerState;
  /** Whether it is new here (slow start applies). */
  readonly slowStart: boolean;
  readonly eligible: boolean;
  /** Rounded to 4 decimals; 0 when its breaker does not allow calls. */
  readonly weight: number;
  readonly excludedBecause?: string;
}

/** Why a provider was chosen, JSON-friendly, for logs and a status API. */
export interface SelectionExplanation {
  readonly candidates: readonly CandidateExplanation[];
  /** The two providers power-of-two-choices compared (one when only one was eligible). */
  readonly sampled: readonly string[];
  readonly chosen: string;
  readonly reason: string;
  /** No candidate's breaker allowed a call, so all were considered anyway. */
  readonly panic: boolean;
}

/** No provider is left to choose from (none holds the key, or all failed this request already). */
export class NoCandidateError extends ServiceError {
  constructor(message: string) {
    super({ message, problemType: 'unavailable' });
  }
}

export const SELECTION_DEFAULTS = {
  referenceLatencyMs: 50,
  sameRegion: 1,
  otherRegion: 0.5,
  slowStart: { records: 20, window: 100, maxShare: 0.1 },
} as const;

interface Scored {
  readonly candidate: SelectionCandidate;
  readonly id: string;
  readonly proximity: number;
  readonly isNew: boolean;
  readonly available: boolean;
  /** Weight before availability (the factor a panic restores). */
  readonly baseWeight: number;
  excludedBecause?: string;
  eligible: boolean;
  weight: number;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function breakerAllows(breaker: BreakerSnapshot): boolean {
  return breaker.state === 'closed' || (breaker.state === 'half-open' && !breaker.probeInFlight);
}

/**
 * Chooses a provider for one call: `weight = (score/10000) × load × proximity × availability`, then power of two
 * choices among the eligible. Pure: everything it depends on, randomness included, is in the input.
 *
 * P2C rather than "best weight" so that many orchestrators with the same view do not all stampede the same
 * provider; and rather than weighted random so that a slow provider is avoided firmly (it only wins a comparison
 * against something worse).
 */
export function selectProvider(input: Readonly<SelectionInput>): SelectionExplanation {
  const options = input.options ?? {};
  const reference = options.referenceLatencyMs ?? SELECTION_DEFAULTS.referenceLatencyMs;
  const same = options.sameRegion ?? SELECTION_DEFAULTS.sameRegion;
  const other = options.otherRegion ?? SELECTION_DEFAULTS.otherRegion;
  const records = options.slowStart?.records ?? SELECTION_DEFAULTS.slowStart.records;
  const maxShare = options.slowStart?.maxShare ?? SELECTION_DEFAULTS.slowStart.maxShare;
  const exclude = input.exclude ?? new Set<string>();

  // Id order, so that the same input (and random sequence) gives the same choice whatever order the ledger used.
  const scored: Scored[] = [...input.candidates]
    .sort((a, b) => (a.profile.providerId < b.profile.providerId ? -1 : 1))
    .map((candidate) => {
      const profile = candidate.profile;
      const proximity = profile.region === input.callerRegion ? same : other;
      const load =
        reference / (reference + Math.max(0, candidate.ewmaMs) * (Math.max(0, candidate.inFlight) + 1));
      const score = Math.min(1, Math.max(0, profile.score / 10_000));
      const entry: Scored = {
        candidate,
        id: profile.providerId,
        proximity,
        isNew: candidate.recorded < records,
        available: breakerAllows(candidate.breaker),
        baseWeight: score * load * proximity,
        eligible: false,
        weight: 0,
      };
      if (exclude.has(entry.id)) {
        entry.excludedBecause = 'failed earlier in this request';
      } else if (profile.status !== 'active') {
        entry.excludedBecause = `provider is ${profile.status}`;
      }
      return entry;
    });

  const open = scored.filter((entry) => entry.excludedBecause === undefined);
  if (open.length === 0) {
    throw new NoCandidateError(
      scored.length === 0
        ? 'no provider holds the key'
        : `no provider left to try (${scored.map((entry) => entry.id).join(', ')} excluded)`,
    );
  }

  // Never eject every provider: when no breaker allows a call, a breaker is wrong more often than all providers
  // are down, and refusing the request outright is the worst answer.
  const panic = !open.some((entry) => entry.available);
  for (const entry of open) {
    if (panic || entry.available) {
      entry.weight = entry.baseWeight;
    } else {
      entry.excludedBecause = `circuit ${entry.candidate.breaker.state}`;
    }
  }
  const available = open.filter((entry) => entry.excludedBecause === undefined);

  // Slow start: a provider without a track record here gets a capped share, so a newcomer (or one whose cold
  // HSM is slow) cannot take all traffic on the strength of a latency estimate of zero. When nothing established
  // is available there is nothing to protect, and the cap would only refuse requests.
  const established = available.some((entry) => !entry.isNew);
  for (const entry of available) {
    if (established && entry.isNew && entry.candidate.recentShare >= maxShare) {
      entry.excludedBecause = `slow start: ${round(entry.candidate.recentShare * 100, 1)}% of recent selections (cap ${round(maxShare * 100, 1)}%)`;
    } else {
      entry.eligible = true;
    }
  }
  const eligible = available.filter((entry) => entry.eligible);

  const { sampled, chosen, reason } = powerOfTwo(eligible, input.random);
  return {
    candidates: scored.map((entry) => ({
      providerId: entry.id,
      region: entry.candidate.profile.region,
      score: entry.candidate.profile.score,
      proximity: entry.proximity,
      inFlight: entry.candidate.inFlight,
      ewmaMs: round(entry.candidate.ewmaMs, 1),
      breaker: entry.candidate.breaker.state,
      slowStart: entry.isNew,
      eligible: entry.eligible,
      weight: round(entry.weight, 4),
      ...(entry.excludedBecause !== undefined ? { excludedBecause: entry.excludedBecause } : {}),
    })),
    sampled,
    chosen,
    reason: panic ? `panic: no circuit allows a call, so every provider is considered; ${reason}` : reason,
    panic,
  };
}

function powerOfTwo(
  eligible: readonly Scored[],
  random: () => number,
): { sampled: string[]; chosen: string; reason: string } {
  const pick = (n: number): number => Math.min(n - 1, Math.floor(random() * n));
  const first = eligible[pick(eligible.length)] as Scored;
  if (eligible.length === 1) {
    return { sampled: [first.id], chosen: first.id, reason: `${first.id} is the only eligible provider` };
  }
  const firstIndex = eligible.indexOf(first);
  let secondIndex = pick(eligible.length - 1);
  if (secondIndex >= firstIndex) {
    secondIndex += 1;
  }
  const second = eligible[secondIndex] as Scored;
  const [winner, loser] =
    first.weight > second.weight || (first.weight === second.weight && first.id < second.id)
      ? [first, second]
      : [second, first];
  const reason =
    winner.weight === loser.weight
      ? `${winner.id} and ${loser.id} have the same weight ${round(winner.weight, 4)}; the lower id wins`
      : `${winner.id} (weight ${round(winner.weight, 4)}) beats ${loser.id} (weight ${round(loser.weight, 4)})`;
  return { sampled: [first.id, second.id], chosen: winner.id, reason };
}
