import { MetricsRegistry } from '../../src/api';
import { POLICY, queueWithKey, startHarness } from './harness';

/** One line of the Prometheus text format 0.0.4: a comment, or `name{labels} value`. */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/;
const COMMENT =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

function expectWellFormed(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    expect({ line, ok: SAMPLE.test(line) || COMMENT.test(line) }).toEqual({ line, ok: true });
  }
}

describe('MetricsRegistry', () => {
  it('writes counters, gauges and histograms in the text format, escaping label values and help', () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('jobs_total', 'Jobs done\nper "kind" \\ path', ['kind']);
    counter.inc({ kind: 'a"b\\c\nd' });
    counter.inc({ kind: 'plain' }, 2);
    registry.gauge('temperature', 'Degrees').set({}, -1.5);
    const histogram = registry.histogram('latency_seconds', 'Latency', ['route'], [0.1, 1]);
    histogram.observe({ route: '/x' }, 0.05);
    histogram.observe({ route: '/x' }, 0.5);
    histogram.observe({ route: '/x' }, 3);
    expect(registry.expose()).toBe(
      [
        '# HELP jobs_total Jobs done\\nper "kind" \\\\ path',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a\\"b\\\\c\\nd"} 1',
        'jobs_total{kind="plain"} 2',
        '# HELP latency_seconds Latency',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{route="/x",le="0.1"} 1',
        'latency_seconds_bucket{route="/x",le="1"} 2',
        'latency_seconds_bucket{route="/x",le="+Inf"} 3',
        'latency_seconds_sum{route="/x"} 3.55',
        'latency_seconds_count{route="/x"} 3',
        '# HELP temperature Degrees',
        '# TYPE temperature gauge',
        'temperature -1.5',
        '',
      ].join('\n'),
    );
    expectWellFormed(registry.expose());
  });

  it('refuses bad names, wrong labels, decreasing counters and conflicting registrations', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x')).toThrow('invalid metric name');
    expect(() => registry.counter('ok', 'x', ['le'])).toThrow('invalid label name');
    const counter = registry.counter('c_total', 'x', ['a']);
    expect(registry.counter('c_total', 'x', ['a'])).toBe(counter);
    expect(() => registry.gauge('c_total', 'x', ['a'])).toThrow('already registered');
    expect(() => counter.inc({ a: '1' }, -1)).toThrow('only go up');
    expect(() => counter.inc({ b: '1' })).toThrow('takes labels [a]');
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
      const lines = text.split('\n');
      expect(lines).toContain(
        'keyledger_http_requests_total{method="GET",route="/v1/queues",status="200"} 2',
      );
      expect(lines).toContain(
        'keyledger_http_requests_total{method="GET",route="/v1/queues",status="401"} 1',
      );
      expect(lines).toContain(
        'keyledger_http_requests_total{method="GET",route="/v1/queues/:queueId/key",status="404"} 1',
      );
      expect(lines).toContain('keyledger_http_requests_total{method="GET",route="unmatched",status="404"} 1');
      expect(lines).toContain(
        'keyledger_http_request_duration_seconds_count{method="GET",route="/v1/queues",status="200"} 2',
      );
      expect(lines).toContain(
        'keyledger_http_request_duration_seconds_bucket{method="GET",route="/v1/queues",status="200",le="+Inf"} 2',
      );
      expect(lines).toContain('keyledger_ledger_errors_total{contract="KeyRotation",kind="NOT_FOUND"} 1');
      expect(lines).toContain('keyledger_ledger_errors_total{contract="KeyRotation",kind="FORBIDDEN"} 1');
      expect(lines).toContain(
        'keyledger_ledger_calls_total{contract="KeyRotation",function="ListQueues",outcome="ok"} 2',
      );
      expect(lines).toContain(
        'keyledger_crypto_operations_total{operation="encrypt",frontend="fe1",outcome="ok"} 1',
      );
      expect(lines).toContain(
        'keyledger_crypto_operations_total{operation="decrypt",frontend="fe1",outcome="ok"} 1',
      );
      expect(lines).toContain(
        'keyledger_crypto_operations_total{operation="decrypt",frontend="fe1",outcome="error"} 1',
      );
      expect(lines).toContain('keyledger_crypto_plaintext_bytes_total{operation="encrypt"} 5');
      // buckets are cumulative
      const buckets = lines
        .filter((line) =>
          line.startsWith(
            'keyledger_http_request_duration_seconds_bucket{method="GET",route="/v1/queues",status="200"',
          ),
        )
        .map((line) => Number(line.split(' ')[1]));
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      // no secrets, no unbounded labels (queue ids, tokens)
      expect(text).not.toContain('nope');
      expect(text).not.toContain('tok-');
    } finally {
      await h.close();
    }
  });
});
