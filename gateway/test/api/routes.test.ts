import { createHash } from 'node:crypto';
import { LedgerError } from '../../src/fabric/errors';
import type { RotationProposal } from '../../src/rotation/types';
import { proposalPayload } from '../../src/rotation/verify';
import { expectProblem, POLICY, PEOPLE, queueWithKey, startHarness, type Harness } from './harness';

describe('REST API routes: happy paths', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('GET /health answers 200 with every check when all pass, without authentication', async () => {
    await h.close();
    h = await startHarness({
      health: [
        { name: 'ledger', check: () => undefined },
        { name: 'hsm:validators', check: async () => undefined },
      ],
    });
    const reply = await h.request('GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      status: 'ok',
      checks: {
        ledger: { status: 'ok', durationMs: expect.any(Number) },
        'hsm:validators': { status: 'ok', durationMs: expect.any(Number) },
      },
    });
  });

  it('GET /health answers 503 problem+json naming the failing check', async () => {
    await h.close();
    h = await startHarness({
      health: [
        { name: 'ledger', check: () => Promise.reject(new Error('connection refused')) },
        { name: 'hsm', check: () => undefined },
        { name: 'slow', check: () => new Promise((resolve) => setTimeout(resolve, 5_000).unref()) },
      ],
      healthTimeoutMs: 100,
    });
    const reply = await h.request('GET', '/health');
    expectProblem(reply, 503, 'unavailable');
    expect(reply.json.detail).toContain('ledger: connection refused');
    expect(reply.json.detail).toContain('slow: no answer within 100 ms');
    expect(reply.json.checks.hsm.status).toBe('ok');
    expect(reply.json.checks.ledger).toMatchObject({ status: 'fail', detail: 'connection refused' });
  });

  it('GET /v1/whoami describes the caller, its ledger roles and its agents', async () => {
    const reply = await h.request('GET', '/v1/whoami', { as: 'val1' });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      name: 'val1',
      mspId: 'Org1MSP',
      fingerprint: PEOPLE.val1.fingerprint,
      authenticatedBy: 'bearer',
      roles: ['validator'],
      validatorAgent: 'val1',
      frontendNode: null,
    });
    const fe = await h.request('GET', '/v1/whoami', { as: 'fe2' });
    expect(fe.json).toMatchObject({
      name: 'fe2',
      roles: ['frontend'],
      validatorAgent: null,
      frontendNode: 'fe2',
    });
    const nobody = await h.request('GET', '/v1/whoami', { as: 'stranger' });
    expect(nobody.json).toMatchObject({ roles: [], member: null });
  });

  it('PUT /v1/queues/{queueId}/policy creates (201 + Location) then replaces (200); GET reads it back', async () => {
    const created = await h.request('PUT', '/v1/queues/orders.eu/policy', { as: 'admin', body: POLICY });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/queues/orders.eu/policy');
    expect(created.json).toMatchObject({
      created: true,
      policy: { queueId: 'orders.eu', ...POLICY, retentionVersions: 2 },
    });
    const replaced = await h.request('PUT', '/v1/queues/orders.eu/policy', {
      as: 'admin',
      body: { ...POLICY, maxMessages: 5, retentionVersions: 4, proposalTtlMs: 120_000 },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.created).toBe(false);
    const read = await h.request('GET', '/v1/queues/orders.eu/policy', { as: 'auditor' });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      queueId: 'orders.eu',
      maxMessages: 5,
      retentionVersions: 4,
      proposalTtlMs: 120_000,
    });
    // the chaincode got the queue id from the path
    expect(h.ledger.calls.find((call) => call.fn === 'KeyRotation:SetKeyPolicy')?.args[0]).toBe(
      JSON.stringify({ queueId: 'orders.eu', ...POLICY }),
    );
  });

  it('queue ids are path- and topic-safe: the chaincode rule, checked before the ledger is asked', async () => {
    for (const id of ['tenant%2Fa', 'x%2F..%2Fy', 'a:b', 'a..b', 'trailing.', 'é', 'x'.repeat(65)]) {
      const reply = await h.request('PUT', `/v1/queues/${id}/policy`, { as: 'admin', body: POLICY });
      expectProblem(reply, 400, 'invalid-request');
      expect(reply.json.errors).toEqual([
        { path: 'path.queueId', message: expect.stringMatching(/^must be 1-64/) },
      ]);
    }
    expect(h.ledger.calls.filter((call) => call.fn === 'KeyRotation:SetKeyPolicy')).toEqual([]);
    const ok = await h.request('PUT', '/v1/queues/tenant-a.orders_2/policy', { as: 'admin', body: POLICY });
    expect(ok.status).toBe(201);
  });

  it('GET /v1/queues lists queues with their active version', async () => {
    await queueWithKey(h, 'q1');
    await h.request('PUT', '/v1/queues/q0/policy', { as: 'admin', body: POLICY });
    const reply = await h.request('GET', '/v1/queues', { as: 'auditor' });
    expect(reply.status).toBe(200);
    expect(
      reply.json.items.map((q: { queueId: string; activeVersion: number }) => [q.queueId, q.activeVersion]),
    ).toEqual([
      ['q0', 0],
      ['q1', 1],
    ]);
  });

  it('GET /v1/queues/{queueId}/key gives null before the first key, then the active key and due status', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const before = await h.request('GET', '/v1/queues/q1/key', { as: 'auditor' });
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({
      queueId: 'q1',
      active: null,
      due: { due: true, reasons: ['initial'], activeVersion: 0 },
    });
    await queueWithKey(h, 'q2');
    const after = await h.request('GET', '/v1/queues/q2/key', { as: 'auditor' });
    expect(after.json).toMatchObject({
      queueId: 'q2',
      active: { version: 1, keyId: 'q2-v1', algorithm: 'AES-256-GCM', compromised: false },
      due: { due: false, activeVersion: 1, openProposal: null },
    });
  });

  it("POST /v1/queues/{queueId}/rotate proposes through the caller's validator agent: 202 + Location, then approvals commit", async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const rotated = await h.request('POST', '/v1/queues/q1/rotate', {
      as: 'val1',
      body: { reason: 'manual' },
    });
    expect(rotated.status).toBe(202);
    expect(rotated.json).toMatchObject({ queueId: 'q1', version: 1, status: 'open', reason: 'manual' });
    expect(rotated.headers.get('location')).toBe(`/v1/proposals/${rotated.json.proposalId}`);
    expect(rotated.json.proposer.fingerprint).toBe(PEOPLE.val1.fingerprint);

    const pending = await h.request('GET', '/v1/proposals', { as: 'auditor' });
    expect(pending.json.items).toEqual([
      expect.objectContaining({ proposalId: rotated.json.proposalId, queueId: 'q1', expired: false }),
    ]);
    const perQueue = await h.request('GET', '/v1/queues/q1/proposals', { as: 'auditor' });
    expect(perQueue.json.items).toEqual([
      expect.objectContaining({ proposalId: rotated.json.proposalId, wrappedKeys: expect.any(Array) }),
    ]);
    const one = await h.request('GET', rotated.headers.get('location') as string, { as: 'auditor' });
    expect(one.json).toMatchObject({ proposalId: rotated.json.proposalId, status: 'open' });

    const approved = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, {
      as: 'val3',
      body: { signature: Buffer.from('sig').toString('base64') },
    });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      status: 'committed',
      approvals: [expect.anything(), expect.objectContaining({ signature: 'c2ln' })],
    });
    expect((await h.request('GET', '/v1/queues/q1/proposals', { as: 'auditor' })).json.items).toEqual([]);
    expect((await h.request('GET', '/v1/proposals', { as: 'auditor' })).json.items).toEqual([]);
  });

  it('approve without a signature: the gateway signs the proposal digest payload as the caller', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    const approved = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, {
      as: 'val2',
    });
    expect(approved.status).toBe(200);
    const proposal = h.ledger.proposals.get(rotated.json.proposalId) as RotationProposal;
    const digest = createHash('sha256').update(proposalPayload(proposal)).digest();
    const expected = createHash('sha256').update('val2').update(digest).digest('base64');
    expect(approved.json.approvals[1]).toMatchObject({
      fingerprint: PEOPLE.val2.fingerprint,
      signature: expected,
    });
  });

  it('approve without a signature by a caller the gateway cannot sign for is a 400 naming body.signature', async () => {
    await h.close();
    h = await startHarness({ noSigner: ['val2'] });
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    const reply = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, { as: 'val2' });
    expectProblem(reply, 400, 'invalid-request');
    expect(reply.json.errors).toEqual([{ path: 'body.signature', message: 'is required for this caller' }]);
    const signed = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, {
      as: 'val2',
      body: { signature: 'MEUCIQ==' },
    });
    expect(signed.status).toBe(200);
  });

  it('rotate answers 201 when the proposal commits at once (quorum 1)', async () => {
    h.ledger.members.delete(`${PEOPLE.val2.mspId}/${PEOPLE.val2.fingerprint}`);
    h.ledger.members.delete(`${PEOPLE.val3.mspId}/${PEOPLE.val3.fingerprint}`);
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    expect(rotated.status).toBe(201);
    expect(rotated.json.status).toBe('committed');
  });

  it('POST /v1/proposals/{id}/reject records the vote; enough rejections close the proposal', async () => {
    await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
    const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
    const first = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/reject`, {
      as: 'val2',
      body: { reason: 'key check value does not match' },
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      status: 'open',
      rejections: [expect.objectContaining({ reason: 'key check value does not match' })],
    });
    const second = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/reject`, {
      as: 'val3',
      body: { reason: 'no' },
    });
    expect(second.json.status).toBe('rejected');
  });

  it('POST /v1/queues/{queueId}/compromise marks the version and proposes a replacement', async () => {
    await queueWithKey(h);
    const reply = await h.request('POST', '/v1/queues/q1/compromise', {
      as: 'val2',
      body: { version: 1, reason: 'HSM backup tape lost' },
    });
    expect(reply.status).toBe(202);
    expect(reply.json).toMatchObject({ queueId: 'q1', version: 2, reason: 'compromise', status: 'open' });
    const key = await h.request('GET', '/v1/queues/q1/key', { as: 'auditor' });
    expect(key.json).toMatchObject({
      active: { version: 1, compromised: true },
      due: { reasons: ['compromise'], openProposal: { proposalId: reply.json.proposalId } },
    });
  });

  it('decrypt with a key version marked compromised says so: field, header and metric', async () => {
    await queueWithKey(h);
    const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: 'aGk=' },
    });
    await h.request('POST', '/v1/queues/q1/compromise', { as: 'val2', body: { version: 1, reason: 'leak' } });
    const opened = await h.request('POST', '/v1/queues/q1/decrypt', {
      as: 'fe1',
      body: { envelope: sealed.json.envelope },
    });
    expect(opened.status).toBe(200);
    expect(opened.json).toMatchObject({ version: 1, keyCompromised: true, plaintext: 'aGk=' });
    expect(opened.headers.get('keyledger-key-status')).toBe('compromised');
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/keyledger_crypto_compromised_decrypts_total\{frontend="fe1"\} 1/);
  });

  it('GET /v1/queues/{queueId}/history lists committed versions and state changes; ?since filters', async () => {
    await queueWithKey(h);
    const second = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val2' });
    await h.request('POST', `/v1/proposals/${second.json.proposalId}/approve`, { as: 'val1' });
    const all = await h.request('GET', '/v1/queues/q1/history', { as: 'auditor' });
    expect(all.status).toBe(200);
    expect(all.json.rotations.map((r: { version: number }) => r.version)).toEqual([1, 2]);
    expect(all.json.states.map((s: { value: { activeVersion: number } }) => s.value.activeVersion)).toEqual([
      2, 1, 0,
    ]);
    const since = await h.request('GET', '/v1/queues/q1/history?since=1', { as: 'auditor' });
    expect(since.json.rotations.map((r: { version: number }) => r.version)).toEqual([2]);
  });

  it("encrypt and decrypt through the caller's own front-end, named or not", async () => {
    await queueWithKey(h);
    const message = Buffer.from('attack at dawn');
    const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: message.toString('base64') },
    });
    expect(sealed.status).toBe(200);
    expect(sealed.json).toMatchObject({
      queueId: 'q1',
      version: 1,
      frontend: 'fe1',
      envelope: expect.any(String),
    });
    expect(Buffer.from(sealed.json.envelope, 'base64').includes(message)).toBe(false);
    const opened = await h.request('POST', '/v1/queues/q1/decrypt?frontend=fe1', {
      as: 'fe1',
      body: { envelope: sealed.json.envelope },
    });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('keyledger-key-status')).toBeNull();
    expect(opened.json).toEqual({
      queueId: 'q1',
      frontend: 'fe1',
      version: 1,
      keyCompromised: false,
      plaintext: message.toString('base64'),
    });
    const viaOther = await h.request('POST', '/v1/queues/q1/decrypt', {
      as: 'fe2',
      body: { envelope: sealed.json.envelope },
    });
    expect(viaOther.json.frontend).toBe('fe2');
    expect(Buffer.from(viaOther.json.plaintext, 'base64').toString()).toBe('attack at dawn');
    const empty = await h.request('POST', '/v1/queues/q1/encrypt', { as: 'fe1', body: { plaintext: '' } });
    expect(empty.status).toBe(200);
    const emptyBack = await h.request('POST', '/v1/queues/q1/decrypt', {
      as: 'fe1',
      body: { envelope: empty.json.envelope },
    });
    expect(emptyBack.json.plaintext).toBe('');
  });

  it('encrypt takes a message of 1 MiB', async () => {
    await queueWithKey(h);
    const big = Buffer.alloc(1024 * 1024, 7);
    const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: big.toString('base64') },
    });
    expect(sealed.status).toBe(200);
    const opened = await h.request('POST', '/v1/queues/q1/decrypt', {
      as: 'fe1',
      body: { envelope: sealed.json.envelope },
    });
    expect(opened.status).toBe(200);
    expect(Buffer.from(opened.json.plaintext, 'base64').equals(big)).toBe(true);
  });

  it('GET /v1/queues/{queueId}/frontends/{name}/versions lists what a node holds, without key bytes', async () => {
    await queueWithKey(h);
    const reply = await h.request('GET', '/v1/queues/q1/frontends/fe2/versions', { as: 'auditor' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      queueId: 'q1',
      frontend: 'fe2',
      versions: [
        {
          version: 1,
          keyId: 'q1-v1',
          keyCheckValue: expect.any(String),
          committedAt: expect.any(Number),
          compromised: false,
          current: true,
        },
      ],
    });
    expect(
      (await h.request('GET', '/v1/queues/unknown/frontends/fe2/versions', { as: 'auditor' })).json.versions,
    ).toEqual([]);
  });

  it('GET /v1/openapi.json is served without authentication', async () => {
    const reply = await h.request('GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.json.openapi).toBe('3.1.0');
  });

  it('HEAD on a GET route answers headers only; OPTIONS lists the methods', async () => {
    const head = await h.request('HEAD', '/v1/openapi.json');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const options = await h.request('OPTIONS', '/v1/queues/q1/policy');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PUT');
  });

  it("every response carries a request id (the client's when well-formed) and Cache-Control: no-store", async () => {
    const mine = await h.request('GET', '/v1/queues', {
      as: 'auditor',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    expect(mine.headers.get('cache-control')).toBe('no-store');
    const bad = await h.request('GET', '/v1/nope', {
      headers: { 'x-request-id': 'has spaces and "quotes"' },
    });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.json.requestId).toBe(bad.headers.get('x-request-id'));
  });

  it('one log line per request with request id, route, status and duration, and no secrets', async () => {
    await queueWithKey(h);
    await h.request('POST', '/v1/queues/q1/encrypt', {
      as: 'fe1',
      body: { plaintext: Buffer.from('TOP-SECRET-PLAINTEXT').toString('base64') },
    });
    await h.request('GET', '/v1/queues', {
      headers: { authorization: 'Bearer not-a-real-token-but-secret' },
    });
    const lines = h.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const encryptLine = lines.find((line) => line.route === '/v1/queues/:queueId/encrypt');
    expect(encryptLine).toMatchObject({
      requestId: expect.any(String),
      method: 'POST',
      status: 200,
      durationMs: expect.any(Number),
      caller: 'fe1',
    });
    expect(lines.find((line) => line.status === 401)).toMatchObject({ route: '/v1/queues' });
    const all = h.logs.join('\n');
    expect(all).not.toContain(Buffer.from('TOP-SECRET-PLAINTEXT').toString('base64'));
    expect(all).not.toContain('TOP-SECRET-PLAINTEXT');
    expect(all).not.toContain('not-a-real-token-but-secret');
    expect(all).not.toContain('tok-fe1');
  });

  it("ledger errors reach the client with the chaincode's status and message", async () => {
    h.ledger.failWith = new LedgerError({ kind: 'UNAVAILABLE', message: 'peer0 unreachable' });
    const unavailable = await h.request('GET', '/v1/queues', { as: 'auditor' });
    expectProblem(unavailable, 503, 'unavailable');
    expect(unavailable.json).toMatchObject({
      detail: 'the ledger is unavailable: peer0 unreachable',
      ledgerErrorKind: 'UNAVAILABLE',
    });
    h.ledger.failWith = new LedgerError({
      kind: 'FAILED',
      message: 'endorsement mismatch',
      transactionId: 'tx42',
    });
    const failed = await h.request('GET', '/v1/queues', { as: 'auditor' });
    expectProblem(failed, 502, 'ledger-failed');
    expect(failed.json.transactionId).toBe('tx42');
    h.ledger.failWith = new LedgerError({ kind: 'MVCC_CONFLICT', message: 'MVCC_READ_CONFLICT' });
    expectProblem(
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY }),
      409,
      'conflict',
    );
  });
});
