import { timingSafeEqual } from 'node:crypto';
import { ServiceError } from '../../errors';
import { parseBlob } from '../blob';
import type { OutcomeInput, ScoredProvider } from '../ledger';
import { ProviderCallError, type ProviderTransport } from '../transport';
import type {
  DecryptRequest,
  DecryptResponse,
  EncryptRequest,
  EncryptResponse,
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
  ReEncryptRequest,
  ReEncryptResponse,
} from '../wire';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker';
import type { CandidateSource } from './candidates';
import { LoadTracker, type LoadTrackerOptions } from './loadTracker';
import {
  NoCandidateError,
  selectProvider,
  SELECTION_DEFAULTS,
  type SelectionExplanation,
  type SelectionOptions,
  type SlowStartOptions,
} from './selection';

/** The chaincode's largest latency per outcome. */
const MAX_REPORTED_LATENCY_MS = 600_000;

export interface KeyOrchestratorOptions {
  readonly orchestratorId: string;
  /** The region of callers that name none. */
  readonly region: string;
  readonly candidates: CandidateSource;
  readonly transportOf: (profile: ScoredProvider) => ProviderTransport;
  readonly reporter: { record(outcome: OutcomeInput): void };
  /** Decrypt every new data key's blob on a second provider before returning it (default 'always'). */
  readonly verifyDataKeys?: 'always' | 'never';
  /** A request's deadline when the caller gives none (default 5 s): both attempts fit in it. */
  readonly defaultDeadlineMs?: number;
  readonly random?: () => number;
  readonly clock?: () => number;
  readonly breaker?: BreakerOptions;
  readonly slowStart?: SlowStartOptions;
  readonly selection?: Omit<SelectionOptions, 'slowStart'>;
  readonly load?: Omit<LoadTrackerOptions, 'clock'>;
}

export interface CallContext {
  /** The caller's region (default: the orchestrator's). */
  readonly region?: string;
  readonly deadlineMs?: number;
  /** The caller went away: stop. */
  readonly signal?: AbortSignal;
}

/** One provider call made for a request. Never holds key bytes. */
export interface Attempt {
  readonly providerId: string;
  /** `serve`: the call that answers; `verify`: decrypting a new data key's blob elsewhere. */
  readonly role: 'serve' | 'verify';
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: { readonly kind: string; readonly problem?: string; readonly message: string };
}

/** A served answer with who served it and why. */
export interface Orchestrated<T> {
  readonly result: T;
  readonly providerId: string;
  /** A data key: a second provider decrypted its blob back to it. Always false for other operations. */
  readonly verified: boolean;
  /** The selection that chose the provider that answered. */
  readonly selection: SelectionExplanation;
  readonly attempts: readonly Attempt[];
}

/** This orchestrator's live view of a provider. */
export interface ProviderLiveView {
  readonly providerId: string;
  readonly inFlight: number;
  readonly ewmaMs: number;
  readonly breaker: BreakerState;
  readonly consecutiveFailures: number;
  /** Outcomes recorded for it in this process. */
  readonly outcomes: number;
}

/** Every provider tried failed, or none holds the key. Lists the attempts, never key material. */
export class NoProviderServedError extends ServiceError {
  readonly attempts: readonly Attempt[];

  constructor(message: string, attempts: readonly Attempt[], cause?: unknown) {
    super({ message, problemType: 'unavailable', extensions: { attempts }, cause });
    this.attempts = attempts;
  }
}

type CallResult<T> =
  | { readonly ok: true; readonly value: T; readonly latencyMs: number }
  | { readonly ok: false; readonly error: ProviderCallError; readonly latencyMs: number };

type Verdict = 'verified' | 'mismatch' | 'unverifiable';

function describeError(error: ProviderCallError): NonNullable<Attempt['error']> {
  return {
    kind: error.kind,
    ...(error.providerProblem !== undefined ? { problem: error.providerProblem } : {}),
    message: error.message,
  };
}

function asCallError(providerId: string, error: unknown, signal: AbortSignal): ProviderCallError {
  if (error instanceof ProviderCallError) {
    return error;
  }
  return new ProviderCallError({
    providerId,
    kind: signal.aborted ? 'timeout' : 'connection',
    message: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

/** Same bytes, compared in constant time; both buffers are zeroed. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  try {
    return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
  } finally {
    x.fill(0);
    y.fill(0);
  }
}

/**
 * Serves key operations from the providers that hold the key (ListProviders on the ledger), choosing one per
 * request by on-chain score × load × proximity × availability with power of two choices (`selection.ts`), failing
 * over once on a retryable failure within the request's deadline, and checking every new data key on a second
 * provider, so a provider that answers wrongly is caught, blamed and never believed. Each provider call is an
 * outcome for the ledger (through the reporter) and feeds this orchestrator's breakers and load estimates.
 */
export class KeyOrchestrator {
  readonly #o: KeyOrchestratorOptions;
  readonly #random: () => number;
  readonly #clock: () => number;
  readonly #load: LoadTracker;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #outcomes = new Map<string, number>();
  /** The latest chosen providers, for slow start's share. */
  readonly #recent: string[] = [];
  readonly #window: number;

  constructor(options: KeyOrchestratorOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? Date.now;
    this.#load = new LoadTracker({ ...options.load, clock: this.#clock });
    this.#window = options.slowStart?.window ?? SELECTION_DEFAULTS.slowStart.window;
  }

  async generateDataKey(
    request: GenerateDataKeyRequest,
    context: CallContext = {},
  ): Promise<Orchestrated<GenerateDataKeyResponse>> {
    const verify = (this.#o.verifyDataKeys ?? 'always') === 'always';
    return this.#serve([request.keyId], context, (t, signal) => t.generateDataKey(request, { signal }), {
      check: verify
        ? (answer, candidates, producer, signal, attempts) =>
            this.#verifyDataKey(answer, request, candidates, producer, context, signal, attempts)
        : undefined,
    });
  }

  encrypt(request: EncryptRequest, context: CallContext = {}): Promise<Orchestrated<EncryptResponse>> {
    return this.#serve([request.keyId], context, (t, signal) => t.encrypt(request, { signal }));
  }

  decrypt(request: DecryptRequest, context: CallContext = {}): Promise<Orchestrated<DecryptResponse>> {
    const keyId = parseBlob(Buffer.from(request.ciphertextBlob, 'base64')).keyId;
    return this.#serve([keyId], context, (t, signal) => t.decrypt(request, { signal }));
  }

  reEncrypt(request: ReEncryptRequest, context: CallContext = {}): Promise<Orchestrated<ReEncryptResponse>> {
    const keyId = parseBlob(Buffer.from(request.ciphertextBlob, 'base64')).keyId;
    return this.#serve([keyId, request.destinationKeyId], context, (t, signal) =>
      t.reEncrypt(request, { signal }),
    );
  }

  /** Every provider this orchestrator has called, in id order. */
  providers(): ProviderLiveView[] {
    const now = this.#clock();
    const ids = new Set([...this.#load.providerIds(), ...this.#breakers.keys()]);
    return [...ids].sort().map((providerId) => {
      const load = this.#load.snapshot(providerId);
      const breaker = this.#breaker(providerId).snapshot(now);
      return {
        providerId,
        inFlight: load.inFlight,
        ewmaMs: Math.round(load.ewmaMs * 10) / 10,
        breaker: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        outcomes: this.#outcomes.get(providerId) ?? 0,
      };
    });
  }

  async #serve<T extends { readonly providerId: string }>(
    keyIds: readonly string[],
    context: CallContext,
    call: (transport: ProviderTransport, signal: AbortSignal) => Promise<T>,
    hooks: {
      readonly check?:
        | ((
            answer: T,
            candidates: readonly ScoredProvider[],
            producer: string,
            signal: AbortSignal,
            attempts: Attempt[],
          ) => Promise<Verdict>)
        | undefined;
    } = {},
  ): Promise<Orchestrated<T>> {
    const deadline = AbortSignal.timeout(context.deadlineMs ?? this.#o.defaultDeadlineMs ?? 5_000);
    const signal = context.signal ? AbortSignal.any([deadline, context.signal]) : deadline;
    const candidates = await this.#candidatesOf(keyIds);
    const region = context.region ?? this.#o.region;
    const exclude = new Set<string>();
    const attempts: Attempt[] = [];
    let lastError: ProviderCallError | undefined;
    for (let attempt = 0; attempt < 2 && !signal.aborted; attempt += 1) {
      let selection: SelectionExplanation;
      try {
        selection = this.#select(candidates, region, exclude);
      } catch (error) {
        if (error instanceof NoCandidateError && attempts.length > 0) {
          break;
        }
        throw new NoProviderServedError(
          `no provider can serve key ${keyIds.join(' and ')}: ${(error as Error).message}`,
          attempts,
          error,
        );
      }
      this.#remember(selection.chosen);
      const profile = candidates.find((c) => c.providerId === selection.chosen) as ScoredProvider;
      const outcome = await this.#call(profile, signal, call);
      attempts.push(this.#attempt(profile.providerId, 'serve', outcome));
      if (outcome.ok) {
        const verdict = hooks.check
          ? await hooks.check(outcome.value, candidates, profile.providerId, signal, attempts)
          : 'unverifiable';
        if (verdict !== 'mismatch') {
          this.#succeeded(profile.providerId, outcome.latencyMs);
          return {
            result: outcome.value,
            providerId: profile.providerId,
            verified: verdict === 'verified',
            selection,
            attempts,
          };
        }
        // A wrong answer is this provider's failure, whatever it said about itself; it is never returned.
        this.#failed(profile.providerId, outcome.latencyMs);
        exclude.add(profile.providerId);
        lastError = new ProviderCallError({
          providerId: profile.providerId,
          kind: 'server',
          message: 'its data key does not decrypt back from its own ciphertext blob on another provider',
        });
        continue;
      }
      const error = outcome.error;
      lastError = error;
      if (!error.providerAtFault) {
        // It answered correctly that it will not: a fact about the request (or, for not-found, about its keys).
        this.#succeeded(profile.providerId, outcome.latencyMs);
      } else if (!context.signal?.aborted) {
        this.#failed(profile.providerId, outcome.latencyMs);
      } else {
        // The caller went away: that says nothing about the provider.
        this.#breaker(profile.providerId).releaseProbe();
      }
      if (!error.retryable) {
        throw error;
      }
      exclude.add(profile.providerId);
    }
    throw new NoProviderServedError(
      `no provider served key ${keyIds.join(' and ')} in time (${attempts
        .filter((a) => a.role === 'serve')
        .map((a) => `${a.providerId}: ${a.error?.message ?? 'wrong answer'}`)
        .join('; ')})`,
      attempts,
      lastError,
    );
  }

  /**
   * Decrypts a new data key's blob on another provider and compares. A disagreement is settled by a third provider
   * when there is one: the side it agrees with is right, so one lying verifier cannot make an honest producer look
   * bad. Verifier failures count against the verifier; with no verifier left the answer is returned unverified.
   */
  async #verifyDataKey(
    answer: GenerateDataKeyResponse,
    request: GenerateDataKeyRequest,
    candidates: readonly ScoredProvider[],
    producer: string,
    context: CallContext,
    signal: AbortSignal,
    attempts: Attempt[],
  ): Promise<Verdict> {
    const exclude = new Set([producer]);
    const region = context.region ?? this.#o.region;
    let disagreeing: string | undefined;
    for (let round = 0; round < 2 && !signal.aborted; round += 1) {
      let verifier: ScoredProvider;
      try {
        const chosen = this.#select(candidates, region, exclude).chosen;
        verifier = candidates.find((c) => c.providerId === chosen) as ScoredProvider;
      } catch {
        break;
      }
      exclude.add(verifier.providerId);
      const outcome = await this.#call(verifier, signal, (t, s) =>
        t.decrypt(
          { ciphertextBlob: answer.ciphertextBlob, encryptionContext: request.encryptionContext ?? {} },
          { signal: s },
        ),
      );
      attempts.push(this.#attempt(verifier.providerId, 'verify', outcome));
      let agrees: boolean | undefined;
      if (outcome.ok) {
        this.#succeeded(verifier.providerId, outcome.latencyMs);
        agrees = sameSecret(outcome.value.plaintext, answer.plaintext);
      } else if (outcome.error.providerProblem === 'invalid-ciphertext') {
        this.#succeeded(verifier.providerId, outcome.latencyMs);
        agrees = false;
      } else if (outcome.error.providerAtFault) {
        this.#failed(verifier.providerId, outcome.latencyMs);
      }
      if (agrees === true) {
        if (disagreeing !== undefined) {
          // The first verifier said the blob and key differ, this one says they match: the first one lied.
          this.#failed(disagreeing, 0);
        }
        return 'verified';
      }
      if (agrees === false) {
        if (disagreeing !== undefined) {
          return 'mismatch';
        }
        disagreeing = verifier.providerId;
      }
    }
    return disagreeing !== undefined ? 'mismatch' : 'unverifiable';
  }

  async #candidatesOf(keyIds: readonly string[]): Promise<ScoredProvider[]> {
    const lists = await Promise.all(keyIds.map((keyId) => this.#o.candidates.candidates(keyId)));
    const [first = [], ...rest] = lists;
    return first.filter((p) => rest.every((list) => list.some((q) => q.providerId === p.providerId)));
  }

  #select(
    candidates: readonly ScoredProvider[],
    region: string,
    exclude: ReadonlySet<string>,
  ): SelectionExplanation {
    const now = this.#clock();
    const counts = new Map<string, number>();
    for (const id of this.#recent) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return selectProvider({
      candidates: candidates.map((profile) => {
        const load = this.#load.snapshot(profile.providerId);
        return {
          profile,
          inFlight: load.inFlight,
          ewmaMs: load.ewmaMs,
          breaker: this.#breaker(profile.providerId).snapshot(now),
          recorded: this.#outcomes.get(profile.providerId) ?? 0,
          recentShare:
            this.#recent.length === 0 ? 0 : (counts.get(profile.providerId) ?? 0) / this.#recent.length,
        };
      }),
      callerRegion: region,
      random: this.#random,
      exclude,
      options: { ...this.#o.selection, ...(this.#o.slowStart ? { slowStart: this.#o.slowStart } : {}) },
    });
  }

  #remember(providerId: string): void {
    this.#recent.push(providerId);
    if (this.#recent.length > this.#window) {
      this.#recent.shift();
    }
  }

  async #call<T>(
    profile: ScoredProvider,
    signal: AbortSignal,
    call: (transport: ProviderTransport, signal: AbortSignal) => Promise<T>,
  ): Promise<CallResult<T>> {
    const breaker = this.#breaker(profile.providerId);
    // In panic mode the breaker may refuse the probe slot: the call goes ahead anyway (selection said so).
    breaker.acquireProbe(this.#clock());
    const end = this.#load.begin(profile.providerId);
    const started = performance.now();
    try {
      const value = await call(this.#o.transportOf(profile), signal);
      const latencyMs = performance.now() - started;
      end({ latencyMs, ok: true });
      return { ok: true, value, latencyMs };
    } catch (error) {
      const latencyMs = performance.now() - started;
      end({ latencyMs, ok: false });
      return { ok: false, error: asCallError(profile.providerId, error, signal), latencyMs };
    }
  }

  #attempt(providerId: string, role: Attempt['role'], outcome: CallResult<unknown>): Attempt {
    const latencyMs = Math.round(outcome.latencyMs * 10) / 10;
    return outcome.ok
      ? { providerId, role, ok: true, latencyMs }
      : { providerId, role, ok: false, latencyMs, error: describeError(outcome.error) };
  }

  #succeeded(providerId: string, latencyMs: number): void {
    this.#breaker(providerId).onSuccess();
    this.#report(providerId, true, latencyMs);
  }

  #failed(providerId: string, latencyMs: number): void {
    this.#breaker(providerId).onFailure(this.#clock());
    this.#report(providerId, false, latencyMs);
  }

  #report(providerId: string, success: boolean, latencyMs: number): void {
    this.#outcomes.set(providerId, (this.#outcomes.get(providerId) ?? 0) + 1);
    this.#o.reporter.record({
      providerId,
      success,
      latencyMs: Math.min(MAX_REPORTED_LATENCY_MS, Math.max(0, Math.round(latencyMs))),
      at: this.#clock(),
    });
  }

  #breaker(providerId: string): CircuitBreaker {
    let breaker = this.#breakers.get(providerId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#o.breaker);
      this.#breakers.set(providerId, breaker);
    }
    return breaker;
  }
}
