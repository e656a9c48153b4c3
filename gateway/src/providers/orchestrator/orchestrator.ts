import { timingSafeEqual } from 'node:crypto';
import { parseBlob } from '../blob';
import type { EncryptionContext } from '../encryptionContext';
import type { ScoredProvider } from '../ledger';
import { ProviderCallError, type ProviderTransport } from '../transport';
import type {
  DecryptRequest,
  DecryptResponse,
  EncryptRequest,
  EncryptResponse,
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
  ProviderAnswer,
  ReEncryptRequest,
  ReEncryptResponse,
} from '../wire';
import { CircuitBreaker, type BreakerOptions, type BreakerSnapshot } from './breaker';
import type { CandidateSource } from './candidates';
import { OrchestrationError, RequestCancelledError, type AttemptRecord } from './errors';
import { LoadTracker } from './loadTracker';
import type { OutcomeRecorder } from './outcomeReporter';
import {
  NoCandidateError,
  SELECTION_DEFAULTS,
  selectProvider,
  type SelectionExplanation,
  type SelectionOptions,
  type SlowStartOptions,
} from './selection';

export interface KeyOrchestratorOptions {
  readonly orchestratorId: string;
  /** The region callers are in unless a call says otherwise (proximity). */
  readonly region: string;
  readonly candidates: CandidateSource;
  /** The transport of a provider; called again when its profile version changes. */
  readonly transportOf: (profile: ScoredProvider) => ProviderTransport;
  readonly reporter: OutcomeRecorder;
  /** Check each generated data key on a second provider (default 'always'). */
  readonly verifyDataKeys?: 'always' | 'never';
  /** Deadline of a request, failover and verification included, in ms (default 5000). */
  readonly defaultDeadlineMs?: number;
  /** Uniform in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Milliseconds clock for latencies, breakers and outcomes (default Date.now). */
  readonly clock?: () => number;
  readonly breaker?: BreakerOptions;
  readonly slowStart?: SlowStartOptions;
  readonly selection?: Omit<SelectionOptions, 'slowStart'>;
  /** τ and floor of the latency estimate (defaults 2000 ms and 1 ms). */
  readonly load?: { readonly tauMs?: number; readonly floorMs?: number };
}

export interface OrchestratorCallOptions {
  /** The caller's region (default: the orchestrator's). */
  readonly region?: string;
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
}

export interface OrchestratedResult<T> {
  /** The provider's answer, as the wire has it. */
  readonly result: T;
  readonly providerId: string;
  /** A second provider decrypted the data key's blob to the same key. */
  readonly verified: boolean;
  /** Why it is, or is not, verified. */
  readonly verification: string;
  /** How the provider that answered was chosen. */
  readonly selection: SelectionExplanation;
  readonly attempts: readonly AttemptRecord[];
}

export interface ProviderLoadStatus {
  readonly providerId: string;
  readonly inFlight: number;
  readonly ewmaMs: number;
  readonly breaker: BreakerSnapshot;
  /** Outcomes this orchestrator recorded for it. */
  readonly recorded: number;
}

type CallResult<T> =
  | { readonly ok: true; readonly value: T; readonly latencyMs: number; readonly attempt: number }
  | {
      readonly ok: false;
      readonly error: ProviderCallError;
      readonly latencyMs: number;
      readonly attempt: number;
    };

interface Request {
  readonly candidates: readonly ScoredProvider[];
  readonly region: string;
  readonly signal: AbortSignal;
  /** Only the caller's signal: tells a cancellation from our deadline. */
  readonly callerSignal: AbortSignal | undefined;
  readonly deadlineMs: number;
  readonly attempts: AttemptRecord[];
  /** Providers that failed this request: neither retried nor trusted as verifiers. */
  readonly failed: Set<string>;
}

type Verdict = { readonly kind: 'verified' | 'unverified' | 'mismatch'; readonly reason: string };

const NO_CONTEXT: EncryptionContext = {};
const NOT_VERIFIED = 'not checked: only generated data keys are verified';
/** At most one retry: a second producer (failover), and a second verifier. */
const MAX_TRIES = 2;

/**
 * Serves KMS-style calls from the providers holding a key: chooses one (selection.ts), fails over once on a
 * retryable failure, checks generated data keys on a second provider, and feeds each provider's outcome to its
 * breaker, its load estimate and the ledger reporter.
 *
 * What counts against a provider: failures where it is at fault (no answer, 5xx, timeout, an answer in another
 * provider's name or for another key, a data key that does not match its ciphertext). A refusal
 * (invalid-ciphertext, invalid-request, forbidden, not-found) is recorded as a success: the provider answered,
 * correctly as far as anyone can tell, and a client sending bad blobs must not be able to ruin its reputation.
 */
export class KeyOrchestrator {
  readonly orchestratorId: string;
  readonly #region: string;
  readonly #source: CandidateSource;
  readonly #transportOf: (profile: ScoredProvider) => ProviderTransport;
  readonly #reporter: OutcomeRecorder;
  readonly #verify: boolean;
  readonly #deadlineMs: number;
  readonly #random: () => number;
  readonly #clock: () => number;
  readonly #breakerOptions: BreakerOptions;
  readonly #selection: SelectionOptions;
  readonly #window: number;
  readonly #load: LoadTracker;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #recorded = new Map<string, number>();
  readonly #transports = new Map<string, { version: number; transport: ProviderTransport }>();
  /** The latest selections (ids), for slow-start shares. */
  readonly #history: string[] = [];

  constructor(options: Readonly<KeyOrchestratorOptions>) {
    this.orchestratorId = options.orchestratorId;
    this.#region = options.region;
    this.#source = options.candidates;
    this.#transportOf = options.transportOf;
    this.#reporter = options.reporter;
    this.#verify = (options.verifyDataKeys ?? 'always') === 'always';
    this.#deadlineMs = options.defaultDeadlineMs ?? 5_000;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? Date.now;
    this.#breakerOptions = options.breaker ?? {};
    this.#selection = { ...options.selection, slowStart: options.slowStart ?? {} };
    this.#window = options.slowStart?.window ?? SELECTION_DEFAULTS.slowStart.window;
    this.#load = new LoadTracker({ ...options.load, clock: this.#clock });
  }

  async generateDataKey(
    request: GenerateDataKeyRequest,
    options: OrchestratorCallOptions = {},
  ): Promise<OrchestratedResult<GenerateDataKeyResponse>> {
    return this.#serve(await this.#start([request.keyId], options), {
      invoke: (transport, signal) => transport.generateDataKey(request, { signal }),
      check: (answer) => checkBlobKey(answer.ciphertextBlob, request.keyId),
      verify: this.#verify
        ? (answer, producer, call) =>
            this.#verifyDataKey(answer, contextOf(request.encryptionContext), producer, call)
        : undefined,
    });
  }

  async encrypt(
    request: EncryptRequest,
    options: OrchestratorCallOptions = {},
  ): Promise<OrchestratedResult<EncryptResponse>> {
    return this.#serve(await this.#start([request.keyId], options), {
      invoke: (transport, signal) => transport.encrypt(request, { signal }),
      check: (answer) => checkBlobKey(answer.ciphertextBlob, request.keyId),
    });
  }

  /** The key is the blob's: its header names it, so the candidates are the providers holding that key. */
  async decrypt(
    request: DecryptRequest,
    options: OrchestratorCallOptions = {},
  ): Promise<OrchestratedResult<DecryptResponse>> {
    const keyId = parseBlob(Buffer.from(request.ciphertextBlob, 'base64')).keyId;
    return this.#serve(await this.#start([keyId], options), {
      invoke: (transport, signal) => transport.decrypt(request, { signal }),
      check: () => undefined,
    });
  }

  /** Only a provider holding both the source and the destination key can re-encrypt without exposing plaintext. */
  async reEncrypt(
    request: ReEncryptRequest,
    options: OrchestratorCallOptions = {},
  ): Promise<OrchestratedResult<ReEncryptResponse>> {
    const source = parseBlob(Buffer.from(request.ciphertextBlob, 'base64')).keyId;
    return this.#serve(await this.#start([source, request.destinationKeyId], options), {
      invoke: (transport, signal) => transport.reEncrypt(request, { signal }),
      check: (answer) => checkBlobKey(answer.ciphertextBlob, request.destinationKeyId),
    });
  }

  /** Load, breaker and outcome count of every provider this orchestrator has called, in id order. */
  providers(): ProviderLoadStatus[] {
    const ids = new Set([...this.#load.providerIds(), ...this.#breakers.keys(), ...this.#recorded.keys()]);
    const now = this.#clock();
    return [...ids].sort().map((providerId) => {
      const load = this.#load.snapshot(providerId);
      return {
        providerId,
        inFlight: load.inFlight,
        ewmaMs: Math.round(load.ewmaMs * 10) / 10,
        breaker: this.#breaker(providerId).snapshot(now),
        recorded: this.#recorded.get(providerId) ?? 0,
      };
    });
  }

  async #start(keyIds: readonly string[], options: OrchestratorCallOptions): Promise<Request> {
    const deadlineMs = options.deadlineMs ?? this.#deadlineMs;
    const timeout = AbortSignal.timeout(deadlineMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    const lists = await Promise.all(keyIds.map((keyId) => this.#source.candidates(keyId)));
    const [first = [], ...others] = lists;
    const candidates = first.filter((profile) =>
      others.every((list) => list.some((other) => other.providerId === profile.providerId)),
    );
    if (candidates.length === 0) {
      throw new OrchestrationError(`no provider holds ${keyIds.join(' and ')}`, []);
    }
    return {
      candidates,
      region: options.region ?? this.#region,
      signal,
      callerSignal: options.signal,
      deadlineMs,
      attempts: [],
      failed: new Set(),
    };
  }

  async #serve<T extends ProviderAnswer>(
    call: Request,
    how: {
      invoke: (transport: ProviderTransport, signal: AbortSignal) => Promise<T>;
      check: (answer: T) => void;
      verify?: (answer: T, producerId: string, call: Request) => Promise<Verdict>;
    },
  ): Promise<OrchestratedResult<T>> {
    const failed = call.failed;
    for (let round = 0; round < MAX_TRIES; round += 1) {
      if (round > 0 && call.signal.aborted) {
        break; // no time left for the retry
      }
      const selection = this.#select(call, failed, round === 0);
      if (selection === undefined) {
        break;
      }
      const providerId = selection.chosen;
      const outcome = await this.#call(call, providerId, 'producer', how.invoke, how.check);
      if (!outcome.ok) {
        const error = outcome.error;
        this.#settle(providerId, !error.providerAtFault, outcome.latencyMs);
        if (!error.retryable) {
          throw error;
        }
        failed.add(providerId);
        continue;
      }
      const verdict: Verdict =
        how.verify === undefined
          ? { kind: 'unverified', reason: NOT_VERIFIED }
          : await how.verify(outcome.value, providerId, call);
      if (verdict.kind === 'mismatch') {
        // Byzantine: the key it handed out is not the key in its blob. Its failure; the answer is never returned.
        this.#settle(providerId, false, outcome.latencyMs);
        call.attempts[outcome.attempt] = {
          ...(call.attempts[outcome.attempt] as AttemptRecord),
          ok: false,
          error: { kind: 'byzantine', message: verdict.reason },
        };
        failed.add(providerId);
        continue;
      }
      this.#settle(providerId, true, outcome.latencyMs);
      return {
        result: outcome.value,
        providerId,
        verified: verdict.kind === 'verified',
        verification: verdict.reason,
        selection,
        attempts: call.attempts,
      };
    }
    const summary = call.attempts
      .map((attempt) => `${attempt.providerId}: ${attempt.error?.kind ?? 'ok'}`)
      .join(', ');
    throw new OrchestrationError(
      call.signal.aborted
        ? `no provider answered within ${call.deadlineMs} ms (${summary})`
        : `no provider could serve the request (${summary})`,
      call.attempts,
    );
  }

  /**
   * Decrypts the data key's blob on another provider and compares the keys. A verifier that refuses the blob as
   * invalid-ciphertext convicts the producer as a mismatch does; one that cannot answer is replaced once. Two
   * providers cannot tell which of them lies: a lying verifier convicts an honest producer, which costs a retry,
   * never a wrong key.
   */
  async #verifyDataKey(
    answer: GenerateDataKeyResponse,
    encryptionContext: EncryptionContext,
    producerId: string,
    call: Request,
  ): Promise<Verdict> {
    const exclude = new Set([...call.failed, producerId]);
    for (let round = 0; round < MAX_TRIES; round += 1) {
      if (call.signal.aborted) {
        return { kind: 'unverified', reason: 'not verified: the deadline passed before a verifier answered' };
      }
      const selection = this.#select(call, exclude, false);
      if (selection === undefined) {
        return {
          kind: 'unverified',
          reason:
            round === 0
              ? 'not verified: no other provider holds the key'
              : 'not verified: no other provider could answer',
        };
      }
      const verifierId = selection.chosen;
      const outcome = await this.#call(
        call,
        verifierId,
        'verifier',
        (transport, signal) =>
          transport.decrypt({ ciphertextBlob: answer.ciphertextBlob, encryptionContext }, { signal }),
        () => undefined,
      );
      if (outcome.ok) {
        this.#settle(verifierId, true, outcome.latencyMs);
        const produced = Buffer.from(answer.plaintext, 'base64');
        const decrypted = Buffer.from(outcome.value.plaintext, 'base64');
        const same = produced.length === decrypted.length && timingSafeEqual(produced, decrypted);
        produced.fill(0);
        decrypted.fill(0);
        return same
          ? { kind: 'verified', reason: `verified: ${verifierId} decrypted the blob to the same key` }
          : { kind: 'mismatch', reason: `${verifierId} decrypted its blob to a different key` };
      }
      const error = outcome.error;
      this.#settle(verifierId, !error.providerAtFault, outcome.latencyMs);
      if (error.kind === 'refused' && error.providerProblem === 'invalid-ciphertext') {
        return { kind: 'mismatch', reason: `${verifierId} could not decrypt its blob (invalid-ciphertext)` };
      }
      exclude.add(verifierId);
    }
    return { kind: 'unverified', reason: 'not verified: no other provider could answer' };
  }

  /** undefined when no candidate is left; on the first round that is an error the caller sees as is. */
  #select(
    call: Request,
    exclude: ReadonlySet<string>,
    mustChoose: boolean,
  ): SelectionExplanation | undefined {
    const now = this.#clock();
    const counts = new Map<string, number>();
    for (const id of this.#history) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const total = Math.max(1, this.#history.length);
    try {
      const explanation = selectProvider({
        candidates: call.candidates.map((profile) => {
          const load = this.#load.snapshot(profile.providerId);
          return {
            profile,
            inFlight: load.inFlight,
            ewmaMs: load.ewmaMs,
            breaker: this.#breaker(profile.providerId).snapshot(now),
            recorded: this.#recorded.get(profile.providerId) ?? 0,
            recentShare: (counts.get(profile.providerId) ?? 0) / total,
          };
        }),
        callerRegion: call.region,
        random: this.#random,
        exclude,
        options: this.#selection,
      });
      this.#history.push(explanation.chosen);
      if (this.#history.length > this.#window) {
        this.#history.shift();
      }
      return explanation;
    } catch (error) {
      if (error instanceof NoCandidateError && !mustChoose) {
        return undefined;
      }
      throw error;
    }
  }

  /** One provider call, bounded by the request's signal even if the transport ignores it. Records the attempt. */
  async #call<T extends ProviderAnswer>(
    call: Request,
    providerId: string,
    role: AttemptRecord['role'],
    invoke: (transport: ProviderTransport, signal: AbortSignal) => Promise<T>,
    check: (answer: T) => void,
  ): Promise<CallResult<T>> {
    const profile = call.candidates.find(
      (candidate) => candidate.providerId === providerId,
    ) as ScoredProvider;
    const breaker = this.#breaker(providerId);
    // False only in panic (the circuit is open and is tried anyway): the call still goes out.
    breaker.acquireProbe(this.#clock());
    const end = this.#load.begin(providerId);
    const started = this.#clock();
    let result: CallResult<T>;
    const attempt = call.attempts.length;
    try {
      const answer = await untilAborted(
        invoke(this.#transport(profile), call.signal),
        call.signal,
        providerId,
      );
      if (answer.providerId !== providerId) {
        throw new ProviderCallError({
          providerId,
          kind: 'server',
          message: `answered as ${answer.providerId}`,
        });
      }
      check(answer);
      result = { ok: true, value: answer, latencyMs: this.#clock() - started, attempt };
    } catch (error) {
      if (call.callerSignal?.aborted === true) {
        end({ latencyMs: this.#clock() - started, ok: false });
        breaker.releaseProbe();
        throw new RequestCancelledError();
      }
      result = {
        ok: false,
        error: asCallError(error, providerId, call),
        latencyMs: this.#clock() - started,
        attempt,
      };
    }
    end({ latencyMs: result.latencyMs, ok: result.ok });
    call.attempts.push({
      providerId,
      role,
      ok: result.ok,
      latencyMs: result.latencyMs,
      ...(result.ok
        ? {}
        : {
            error: {
              kind: result.error.kind,
              ...(result.error.providerProblem !== undefined
                ? { problem: result.error.providerProblem }
                : {}),
              message: result.error.message,
            },
          }),
    });
    return result;
  }

  /** Feeds one outcome to the breaker and the reporter (every provider call ends here exactly once). */
  #settle(providerId: string, success: boolean, latencyMs: number): void {
    const now = this.#clock();
    const breaker = this.#breaker(providerId);
    if (success) {
      breaker.onSuccess();
    } else {
      breaker.onFailure(now);
    }
    this.#recorded.set(providerId, (this.#recorded.get(providerId) ?? 0) + 1);
    this.#reporter.record({ providerId, success, latencyMs, at: now });
  }

  #breaker(providerId: string): CircuitBreaker {
    let breaker = this.#breakers.get(providerId);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#breakerOptions);
      this.#breakers.set(providerId, breaker);
    }
    return breaker;
  }

  #transport(profile: ScoredProvider): ProviderTransport {
    const cached = this.#transports.get(profile.providerId);
    if (cached !== undefined && cached.version === profile.version) {
      return cached.transport;
    }
    // A new profile version may have a new endpoint or certificate: the old connection must not be reused.
    if (cached !== undefined) {
      void cached.transport.close().catch(() => undefined);
    }
    const transport = this.#transportOf(profile);
    this.#transports.set(profile.providerId, { version: profile.version, transport });
    return transport;
  }
}

/**
 * The request's context as the verifier must repeat it. The wire's input type leaves it unchecked (the provider
 * validates it); anything but an object is what the provider defaults it to, the empty context.
 */
function contextOf(value: unknown): EncryptionContext {
  return typeof value === 'object' && value !== null ? (value as EncryptionContext) : NO_CONTEXT;
}

/** A blob that is not under the requested key is the provider's fault (it answered for another key). */
function checkBlobKey(ciphertextBlob: string, keyId: string): void {
  const actual = parseBlob(Buffer.from(ciphertextBlob, 'base64')).keyId;
  if (actual !== keyId) {
    throw new Error(`returned a blob under ${actual}, not ${keyId}`);
  }
}

function asCallError(error: unknown, providerId: string, call: Request): ProviderCallError {
  if (error instanceof ProviderCallError) {
    return error;
  }
  if (call.signal.aborted) {
    return new ProviderCallError({
      providerId,
      kind: 'timeout',
      message: `no answer within ${call.deadlineMs} ms`,
      cause: error,
    });
  }
  // A malformed answer (bad blob, wrong key): the provider answered wrongly, which is its fault.
  return new ProviderCallError({
    providerId,
    kind: 'server',
    message: error instanceof Error ? error.message : 'invalid answer',
    cause: error,
  });
}

/** The call, or a timeout failure as soon as the signal aborts (a transport that ignores its signal cannot hold us). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, providerId: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new ProviderCallError({ providerId, kind: 'timeout', message: 'deadline passed' }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(
        new ProviderCallError({
          providerId,
          kind: 'timeout',
          message: 'deadline passed',
          cause: signal.reason,
        }),
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
