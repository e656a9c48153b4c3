import { POLICY, startHarness, type Harness } from './harness';

/** The id of the queue's open proposal, once there is one (a request with a wait has made it). */
async function openProposalOf(h: Harness, queueId: string): Promise<string> {
  for (;;) {
    const pending = await h.request('GET', `/v1/queues/${queueId}/proposals`, { as: 'val2' });
    const proposalId = pending.json.items[0]?.proposalId as string | undefined;
    if (proposalId !== undefined) {
      return proposalId;
    }
  }
}

/** `?wait=committed`: the answer comes once the key version is committed and every front-end holds it. */
describe('REST API: waiting for commit', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('rotate ?wait=committed answers 201 once the quorum commits it and the front-ends hold it', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const waiting = h.request('POST', '/v1/queues/q1/rotate?wait=committed&waitTimeoutMs=10000', {
      as: 'val1',
    });
    const proposalId = await openProposalOf(h, 'q1');
    expect((await h.request('POST', `/v1/proposals/${proposalId}/approve`, { as: 'val2' })).status).toBe(200);
    const reply = await waiting;
    expect(reply.status).toBe(201);
    expect(reply.headers.get('keyledger-wait')).toBe('committed');
    expect(reply.json).toMatchObject({ proposalId, status: 'committed', version: 1 });
    const key = await h.request('GET', '/v1/queues/q1/key', { as: 'admin' });
    expect(key.json.active).toMatchObject({ version: 1 });
  });

  it('a wait that times out answers 202 with the open proposal and says so', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const reply = await h.request('POST', '/v1/queues/q1/rotate?wait=committed&waitTimeoutMs=300', {
      as: 'val1',
    });
    expect(reply.status).toBe(202);
    expect(reply.headers.get('keyledger-wait')).toBe('timeout');
    expect(reply.json.status).toBe('open');
  });

  it('a rejected proposal ends the wait with its outcome', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const waiting = h.request('POST', '/v1/queues/q1/rotate?wait=committed&waitTimeoutMs=10000', {
      as: 'val1',
    });
    const proposalId = await openProposalOf(h, 'q1');
    await h.request('POST', `/v1/proposals/${proposalId}/reject`, { as: 'val2', body: { reason: 'no' } });
    await h.request('POST', `/v1/proposals/${proposalId}/reject`, { as: 'val3', body: { reason: 'no' } });
    const reply = await waiting;
    expect(reply.status).toBe(202);
    expect(reply.headers.get('keyledger-wait')).toBe('rejected');
  });

  it('PUT policy ?wait=committed on a new queue waits for its first key version', async () => {
    const waiting = h.request('PUT', '/v1/queues/q1/policy?wait=committed&waitTimeoutMs=10000', {
      as: 'admin',
      body: POLICY,
    });
    let rotated;
    do {
      rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    } while (rotated.status === 404);
    await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, { as: 'val2' });
    const reply = await waiting;
    expect(reply.status).toBe(201);
    expect(reply.headers.get('keyledger-wait')).toBe('committed');
    const encrypted = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: 'aGk=' },
    });
    expect(encrypted.status).toBe(200);
  });

  it('refuses a wait it does not know and timeouts out of range', async () => {
    for (const query of [
      'wait=forever',
      'wait=committed&waitTimeoutMs=0',
      'wait=committed&waitTimeoutMs=999999',
    ]) {
      const reply = await h.request('PUT', `/v1/queues/q1/policy?${query}`, { as: 'admin', body: POLICY });
      expect(reply.status).toBe(400);
    }
  });

  it('a manual rotation inside the minimum interval after a commit is a 409 with Retry-After', async () => {
    h.ledger.now = Date.now();
    await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: { ...POLICY, minRotationIntervalMs: 60_000 },
    });
    const first = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    await h.request('POST', `/v1/proposals/${first.json.proposalId}/approve`, { as: 'val2' });
    const held = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    expect(held.status).toBe(409);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(held.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(held.json.detail).toMatch(
      /less than minRotationIntervalMs \(60000 ms\) ago; the next rotation is allowed from /,
    );
    expect(held.json.nextAllowedAt).toBe(h.ledger.now + 60_000);
  });
});
