import { IdempotencyStore } from '../../src/api';
import { expectProblem, POLICY, queueWithKey, startHarness, type Harness } from './harness';

describe('Idempotency-Key', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  const ledgerWrites = (fn: string): number => h.ledger.calls.filter((call) => call.fn === fn).length;

  it('a retry with the same key and body gets the first response without a second ledger write', async () => {
    const first = await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: POLICY,
      headers: { 'idempotency-key': 'create-q1' },
    });
    const second = await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: { algorithm: 'AES-256-GCM', maxMessages: 1000, rotationIntervalMs: 86_400_000 },
      headers: { 'idempotency-key': 'create-q1' },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(ledgerWrites('KeyRotation:SetKeyPolicy')).toBe(1);
    const metrics = await h.request('GET', '/metrics');
    expect(metrics.text).toContain('keyledger_http_idempotent_replays_total 1');
  });

  it('the same key with a different body is a 422', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: POLICY,
      headers: { 'idempotency-key': 'k' },
    });
    const reply = await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: { ...POLICY, maxMessages: 2 },
      headers: { 'idempotency-key': 'k' },
    });
    expectProblem(reply, 422, 'idempotency-key-reused');
  });

  it('keys are per caller and per path', async () => {
    await queueWithKey(h);
    const a = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: 'aGk=' },
      headers: { 'idempotency-key': 'same' },
    });
    const b = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe2',
      body: { plaintext: 'aGk=' },
      headers: { 'idempotency-key': 'same' },
    });
    expect(b.json.frontend).toBe('fe2');
    expect(b.json.envelope).not.toBe(a.json.envelope);
    const replay = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: 'aGk=' },
      headers: { 'idempotency-key': 'same' },
    });
    expect(replay.json.envelope).toBe(a.json.envelope);
  });

  it('client errors are replayed too; failures of ours (5xx) are not stored so a retry runs again', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const agent = h.validators.get('val1') as { failWith?: Error };
    agent.failWith = new Error('boom');
    const failed = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'r1' },
    });
    expect(failed.status).toBe(500);
    agent.failWith = undefined;
    const retried = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'r1' },
    });
    expect(retried.status).toBe(202);
    const conflict = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'r2' },
    });
    expect(conflict.status).toBe(409);
    const conflictAgain = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'r2' },
    });
    expect(conflictAgain.status).toBe(409);
    expect(conflictAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(conflictAgain.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  });

  it('a retry while the first request runs is a 409 with Retry-After', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const agent = h.validators.get('val1') as unknown as {
      rotateNow: (q: string, r: 'manual') => Promise<unknown>;
    };
    const original = agent.rotateNow.bind(agent);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    agent.rotateNow = async (queueId, reason) => {
      await gate;
      return original(queueId, reason);
    };
    const first = h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'slow' },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const concurrent = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      headers: { 'idempotency-key': 'slow' },
    });
    expectProblem(concurrent, 409, 'idempotency-in-flight');
    expect(concurrent.headers.get('retry-after')).toBe('1');
    release();
    expect((await first).status).toBe(202);
  });
});

describe('IdempotencyStore', () => {
  it('forgets responses after the TTL and keeps at most maxEntries keys', () => {
    let now = 0;
    const store = new IdempotencyStore({ ttlMs: 1000, maxEntries: 3, now: () => now });
    const response = { status: 200, headers: {}, contentType: 'application/json', body: '{}' };
    const first = store.reserve('s', 'a', 'h');
    expect(first.kind).toBe('new');
    if (first.kind === 'new') {
      first.complete(response);
    }
    expect(store.reserve('s', 'a', 'h').kind).toBe('replay');
    now = 1001;
    expect(store.reserve('s', 'a', 'h').kind).toBe('new');
    for (const key of ['b', 'c', 'd', 'e']) {
      const reservation = store.reserve('s', key, 'h');
      if (reservation.kind === 'new') {
        reservation.complete(response);
      }
    }
    expect(store.size).toBe(3);
    expect(store.reserve('s', 'e', 'h').kind).toBe('replay');
  });
});
