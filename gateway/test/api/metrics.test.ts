import { register as globalRegistry, Registry } from 'prom-client';
import { apiMetrics } from '../../src/api';
import { POLICY, queueWithKey, startHarness } from './harness';

/**
 * One line of the Prometheus text format 0.0.4: a comment, or `name{labels} value` (empty lines are ignored).
 * prom-client writes NaN as `Nan` (an unset event-loop gauge); Prometheus parses floats case-insensitively.
 */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.eE+-]+|NaN|Nan|[+-]Inf)$/;
const COMMENT =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

function expectWellFormed(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.split('\n').filter((line) => line !== '')) {
    expect({ line, ok: SAMPLE.test(line) || COMMENT.test(line) }).toEqual({ line, ok: true });
  }
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a text exposition (label order does not matter). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) {
        throw new Error(`not a sample: ${line}`);
      }
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? '').matchAll(
        /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
      )) {
        labels[name as string] = (value as string).replace(/\\(.)/g, (_, c: string) =>
          c === 'n' ? '\n' : c,
        );
      }
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with exactly these labels, or undefined. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = samples(text).filter(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  );
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

const API_METRICS = {
  keyledger_http_requests_total: 'counter',
  keyledger_http_request_duration_seconds: 'histogram',
  keyledger_ledger_calls_total: 'counter',
  keyledger_ledger_errors_total: 'counter',
  keyledger_http_idempotent_replays_total: 'counter',
};

describe('apiMetrics', () => {
  it('registers the API metrics and the default process metrics on the given registry only', async () => {
    const registry = new Registry();
    apiMetrics(registry);
    const types = Object.fromEntries(
      (await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.type]),
    );
    expect(types).toMatchObject(API_METRICS);
    expect(types).toMatchObject({
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
    });
    for (const name of Object.keys(API_METRICS)) {
      expect(globalRegistry.getSingleMetric(name)).toBeUndefined();
    }
  });

  it('keeps the label sets fixed and registries apart', async () => {
    const one = new Registry();
    const two = new Registry();
    const metrics = apiMetrics(one);
    apiMetrics(two);
    expect(() => apiMetrics(one)).toThrow('already been registered');
    // an undeclared label (a queue id, say) is refused, so label sets stay what the code declares
    expect(() => metrics.requests.inc({ queueId: 'q1' } as never)).toThrow('queueId');
    metrics.ledgerCalls.inc({ contract: 'KeyRotation', function: 'GetKeyPolicy', outcome: 'ok' }, 5);
    metrics.ledgerCalls.inc({ contract: 'KeyRotation', function: 'GetKeyPolicy', outcome: 'ok' }, 7);
    metrics.idempotentReplays.inc();
    const text = await one.metrics();
    expectWellFormed(text);
    expect(
      valueOf(text, 'keyledger_ledger_calls_total', {
        contract: 'KeyRotation',
        function: 'GetKeyPolicy',
        outcome: 'ok',
      }),
    ).toBe(12);
    expect(valueOf(text, 'keyledger_http_idempotent_replays_total')).toBe(1);
    const other = await two.metrics();
    expect(
      valueOf(other, 'keyledger_ledger_calls_total', {
        contract: 'KeyRotation',
        function: 'GetKeyPolicy',
        outcome: 'ok',
      }),
    ).toBeUndefined();
    expect(valueOf(other, 'keyledger_http_idempotent_replays_total')).toBe(0);
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latency by route and status, ledger errors and crypto counts', async () => {
    const h = await startHarness();
    try {
      await queueWithKey(h);
      await h.request('GET', '/v1/queues', { as: 'auditor' });
      await h.request('GET', '/v1/queues', { as: 'auditor' });
      await h.request('GET', '/v1/queues/nope/key', { as: 'auditor' });
      await h.request('GET', '/v1/queues');
      await h.request('GET', '/v1/does/not/exist');
      await h.request('PUT', '/v1/queues/q9/policy', { as: 'auditor', body: POLICY });
      const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: 'aGVsbG8=' },
      });
      await h.request('POST', '/v1/queues/q1/decrypt', {
        as: 'fe1',
        body: { envelope: sealed.json.envelope },
      });
      await h.request('POST', '/v1/queues/q1/decrypt', { as: 'fe1', body: { envelope: 'aGk=' } });

      const reply = await h.request('GET', '/metrics');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = reply.text;
      expectWellFormed(text);
      const value = (name: string, labels?: Record<string, string>): number | undefined =>
        valueOf(text, name, labels);

      const http = (method: string, route: string, status: string): Record<string, string> => ({
        method,
        route,
        status,
      });
      expect(value('keyledger_http_requests_total', http('GET', '/v1/queues', '200'))).toBe(2);
      expect(value('keyledger_http_requests_total', http('GET', '/v1/queues', '401'))).toBe(1);
      expect(value('keyledger_http_requests_total', http('GET', '/v1/queues/:queueId/key', '404'))).toBe(1);
      expect(value('keyledger_http_requests_total', http('GET', 'unmatched', '404'))).toBe(1);
      expect(value('keyledger_http_requests_total', http('PUT', '/v1/queues/:queueId/policy', '201'))).toBe(
        1,
      );
      expect(value('keyledger_http_requests_total', http('PUT', '/v1/queues/:queueId/policy', '403'))).toBe(
        1,
      );
      expect(value('keyledger_http_requests_total', http('POST', '/v1/queues/:queueId/decrypt', '200'))).toBe(
        1,
      );
      expect(value('keyledger_http_request_duration_seconds_count', http('GET', '/v1/queues', '200'))).toBe(
        2,
      );
      expect(
        value('keyledger_http_request_duration_seconds_bucket', {
          ...http('GET', '/v1/queues', '200'),
          le: '+Inf',
        }),
      ).toBe(2);
      expect(
        value('keyledger_http_request_duration_seconds_sum', http('GET', '/v1/queues', '200')),
      ).toBeGreaterThan(0);
      // buckets are cumulative, the same bounds as before prom-client
      const buckets = samples(text).filter(
        (sample) =>
          sample.name === 'keyledger_http_request_duration_seconds_bucket' &&
          sample.labels.route === '/v1/queues' &&
          sample.labels.status === '200',
      );
      expect(buckets.map((sample) => sample.labels.le)).toEqual([
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.1',
        '0.25',
        '0.5',
        '1',
        '2.5',
        '5',
        '10',
        '+Inf',
      ]);
      const counts = buckets.map((sample) => sample.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));

      expect(value('keyledger_ledger_errors_total', { contract: 'KeyRotation', kind: 'NOT_FOUND' })).toBe(1);
      expect(value('keyledger_ledger_errors_total', { contract: 'KeyRotation', kind: 'FORBIDDEN' })).toBe(1);
      expect(
        value('keyledger_ledger_calls_total', {
          contract: 'KeyRotation',
          function: 'ListQueues',
          outcome: 'ok',
        }),
      ).toBe(2);
      const crypto = (operation: string, outcome: string): Record<string, string> => ({
        operation,
        frontend: 'fe1',
        outcome,
      });
      expect(value('keyledger_crypto_operations_total', crypto('encrypt', 'ok'))).toBe(1);
      expect(value('keyledger_crypto_operations_total', crypto('decrypt', 'ok'))).toBe(1);
      expect(value('keyledger_crypto_operations_total', crypto('decrypt', 'error'))).toBe(1);
      expect(value('keyledger_crypto_operations_total', crypto('encrypt', 'error'))).toBeUndefined();
      expect(value('keyledger_crypto_plaintext_bytes_total', { operation: 'encrypt' })).toBe(5);
      expect(value('keyledger_crypto_plaintext_bytes_total', { operation: 'decrypt' })).toBe(5);
      expect(value('keyledger_http_idempotent_replays_total')).toBe(0);

      // the default Node process metrics come along
      expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

      // no secrets, no unbounded labels (queue ids, tokens)
      expect(text).not.toContain('nope');
      expect(text).not.toContain('q9');
      expect(text).not.toContain('tok-');
    } finally {
      await h.close();
    }
  });

  it('counts per app: two apps in one process keep their own registries', async () => {
    const one = await startHarness();
    const two = await startHarness();
    try {
      await one.request('GET', '/v1/queues', { as: 'auditor' });
      await one.request('GET', '/v1/queues', { as: 'auditor' });
      await two.request('GET', '/v1/queues', { as: 'auditor' });
      const labels = { method: 'GET', route: '/v1/queues', status: '200' };
      expect(
        valueOf((await one.request('GET', '/metrics')).text, 'keyledger_http_requests_total', labels),
      ).toBe(2);
      expect(
        valueOf((await two.request('GET', '/metrics')).text, 'keyledger_http_requests_total', labels),
      ).toBe(1);
      expect(
        valueOf(await one.metrics.metrics(), 'keyledger_http_requests_total', {
          method: 'GET',
          route: '/metrics',
          status: '200',
        }),
      ).toBe(1);
      expect(globalRegistry.getSingleMetric('keyledger_http_requests_total')).toBeUndefined();
    } finally {
      await one.close();
      await two.close();
    }
  });
});
