/**
 * A small Prometheus registry with the text exposition format 0.0.4: counters, gauges and histograms with
 * labels. (prom-client is not a dependency of the gateway; this covers what the API exposes.)
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Labels = Readonly<Record<string, string | number>>;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (value === Infinity) {
    return '+Inf';
  }
  if (value === -Infinity) {
    return '-Inf';
  }
  return String(value);
}

function formatLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, index) => `${name}="${escapeLabelValue(values[index] ?? '')}"`);
  if (extra) {
    pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  }
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: string[]; state: S }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`invalid metric name ${name}`);
    }
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
        throw new Error(`invalid label name ${label} for metric ${name}`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract initial(): S;
  protected abstract lines(labels: string[], state: S): string[];

  protected stateFor(labels: Labels = {}): S {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || keys.some((key) => !this.labelNames.includes(key))) {
      throw new Error(
        `metric ${this.name} takes labels [${this.labelNames.join(', ')}], got [${keys.join(', ')}]`,
      );
    }
    const values = this.labelNames.map((name) => String(labels[name]));
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  expose(): string {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    const entries = [...this.series.values()].sort((a, b) =>
      JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1,
    );
    for (const entry of entries) {
      out.push(...this.lines(entry.labels, entry.state));
    }
    return out.join('\n');
  }

  reset(): void {
    this.series.clear();
  }
}

export class Counter extends Metric<{ value: number }> {
  readonly type = 'counter' as const;

  protected initial(): { value: number } {
    return { value: 0 };
  }

  inc(labels: Labels = {}, amount = 1): void {
    if (!(amount >= 0) || !Number.isFinite(amount)) {
      throw new Error(`counter ${this.name} can only go up`);
    }
    this.stateFor(labels).value += amount;
  }

  get(labels: Labels = {}): number {
    return this.stateFor(labels).value;
  }

  protected lines(labels: string[], state: { value: number }): string[] {
    return [`${this.name}${formatLabels(this.labelNames, labels)} ${formatValue(state.value)}`];
  }
}

export class Gauge extends Metric<{ value: number }> {
  readonly type = 'gauge' as const;

  protected initial(): { value: number } {
    return { value: 0 };
  }

  set(labels: Labels, value: number): void {
    this.stateFor(labels).value = value;
  }

  inc(labels: Labels = {}, amount = 1): void {
    this.stateFor(labels).value += amount;
  }

  dec(labels: Labels = {}, amount = 1): void {
    this.stateFor(labels).value -= amount;
  }

  get(labels: Labels = {}): number {
    return this.stateFor(labels).value;
  }

  protected lines(labels: string[], state: { value: number }): string[] {
    return [`${this.name}${formatLabels(this.labelNames, labels)} ${formatValue(state.value)}`];
  }
}

interface HistogramState {
  readonly counts: number[];
  sum: number;
  count: number;
}

export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram extends Metric<HistogramState> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets = DEFAULT_LATENCY_BUCKETS) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((value, index) => index > 0 && value === sorted[index - 1])) {
      throw new Error(`histogram ${name} needs distinct buckets`);
    }
    this.buckets = sorted;
  }

  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels: Labels, value: number): void {
    const state = this.stateFor(labels);
    this.buckets.forEach((bound, index) => {
      if (value <= bound) {
        state.counts[index] = (state.counts[index] ?? 0) + 1;
      }
    });
    state.sum += value;
    state.count += 1;
  }

  /** Count and sum of one series (for tests and diagnostics). */
  get(labels: Labels = {}): { count: number; sum: number } {
    const state = this.stateFor(labels);
    return { count: state.count, sum: state.sum };
  }

  protected lines(labels: string[], state: HistogramState): string[] {
    const out = this.buckets.map(
      (bound, index) =>
        `${this.name}_bucket${formatLabels(this.labelNames, labels, ['le', formatValue(bound)])} ${state.counts[index] ?? 0}`,
    );
    out.push(`${this.name}_bucket${formatLabels(this.labelNames, labels, ['le', '+Inf'])} ${state.count}`);
    out.push(`${this.name}_sum${formatLabels(this.labelNames, labels)} ${formatValue(state.sum)}`);
    out.push(`${this.name}_count${formatLabels(this.labelNames, labels)} ${state.count}`);
    return out;
  }
}

type AnyMetric = Counter | Gauge | Histogram;

/** Holds metrics by name. Asking twice for the same name and type returns the same metric. */
export class MetricsRegistry {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  readonly #metrics = new Map<string, AnyMetric>();

  #getOrCreate<M extends AnyMetric>(
    name: string,
    type: M['type'],
    labelNames: readonly string[],
    create: () => M,
  ): M {
    const existing = this.#metrics.get(name);
    if (existing) {
      if (existing.type !== type || existing.labelNames.join(',') !== labelNames.join(',')) {
        throw new Error(`metric ${name} is already registered as a ${existing.type} with other labels`);
      }
      return existing as M;
    }
    const metric = create();
    this.#metrics.set(name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#getOrCreate(name, 'counter', labelNames, () => new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#getOrCreate(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: number[]): Histogram {
    return this.#getOrCreate(
      name,
      'histogram',
      labelNames,
      () => new Histogram(name, help, labelNames, buckets),
    );
  }

  /** The whole registry in the Prometheus text format, metrics in name order, ending with a newline. */
  expose(): string {
    const names = [...this.#metrics.keys()].sort();
    return `${names.map((name) => (this.#metrics.get(name) as AnyMetric).expose()).join('\n')}\n`;
  }
}

/** The metrics the REST API records. */
export interface ApiMetrics {
  readonly requests: Counter;
  readonly duration: Histogram;
  readonly ledgerCalls: Counter;
  readonly ledgerErrors: Counter;
  readonly cryptoOperations: Counter;
  readonly cryptoBytes: Counter;
  readonly idempotentReplays: Counter;
}

export function apiMetrics(registry: MetricsRegistry): ApiMetrics {
  return {
    requests: registry.counter(
      'keyledger_http_requests_total',
      'HTTP requests answered, by route and status',
      ['method', 'route', 'status'],
    ),
    duration: registry.histogram(
      'keyledger_http_request_duration_seconds',
      'Time from request to response, by route and status',
      ['method', 'route', 'status'],
    ),
    ledgerCalls: registry.counter(
      'keyledger_ledger_calls_total',
      'Ledger transactions the API made on behalf of callers, by contract, function and outcome',
      ['contract', 'function', 'outcome'],
    ),
    ledgerErrors: registry.counter(
      'keyledger_ledger_errors_total',
      'Failed ledger calls, by contract and error kind (NOT_FOUND, FORBIDDEN, CONFLICT, UNAVAILABLE, ...)',
      ['contract', 'kind'],
    ),
    cryptoOperations: registry.counter(
      'keyledger_crypto_operations_total',
      'Encrypt and decrypt operations through front-end nodes, by operation, front-end and outcome',
      ['operation', 'frontend', 'outcome'],
    ),
    cryptoBytes: registry.counter(
      'keyledger_crypto_plaintext_bytes_total',
      'Plaintext bytes encrypted or decrypted successfully',
      ['operation'],
    ),
    idempotentReplays: registry.counter(
      'keyledger_http_idempotent_replays_total',
      'Responses replayed for a repeated Idempotency-Key',
    ),
  };
}
