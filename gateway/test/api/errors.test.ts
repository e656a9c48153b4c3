import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HsmError } from '../../src/hsm/errors';
import { KeyUnavailableError, RotationPreconditionError } from '../../src/rotation';
import { expectProblem, POLICY, queueWithKey, startHarness, tokenOf, type Harness, PEOPLE } from './harness';

describe('REST API: every bad request gets a clear 4xx problem', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  describe('400 invalid input', () => {
    it('malformed JSON is a 400 that does not repeat the body', async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        raw: '{"rotationIntervalMs": SECRET-ISH',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(reply, 400, 'malformed-json');
      expect(reply.json.detail).toMatch(/^request body is not valid JSON/);
      expect(reply.text).not.toContain('SECRET');
    });

    it('a JSON body that is not an object is a 400 saying so — it is valid JSON, just not an object', async () => {
      for (const [raw, kind] of [
        ['"x"', 'a string'],
        ['42', 'a number'],
        ['null', 'null'],
        ['[1,2]', 'an array'],
      ] as const) {
        const reply = await h.request('PUT', '/v1/queues/q1/policy', {
          as: 'admin',
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expectProblem(reply, 400, 'invalid-request');
        expect(reply.json.detail).toBe(`the request body must be a JSON object, not ${kind}`);
        expect(reply.json.errors).toEqual([{ path: 'body', message: 'must be a JSON object' }]);
      }
    });

    it('20,000 unknown fields get a short answer: errors de-duplicated and capped, the rest counted', async () => {
      const body: Record<string, unknown> = { plaintext: 'aGk=' };
      for (let i = 0; i < 20_000; i += 1) {
        body[`f${i}`] = i;
      }
      // ~300 KB: the encrypt route takes large bodies (the control-plane limit is 64 KiB).
      const reply = await h.request('POST', '/v1/queues/q1/encrypt', { as: 'fe1', body });
      expectProblem(reply, 400, 'invalid-request');
      expect(reply.json.errors).toHaveLength(20);
      expect(reply.json.errorsOmitted).toBe(19_980);
      expect(reply.text.length).toBeLessThan(4_000);
      expect(reply.json.detail).toMatch(/and 19980 more$/);
    });

    it('a missing field is "is required", whatever its rule (type, enum or literal)', async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        body: { rotationIntervalMs: 60_000, maxMessages: 10 },
      });
      expect(reply.json.errors).toEqual([{ path: 'body.algorithm', message: 'is required' }]);
    });

    it("a gzip body that does not inflate is a 400 in our words, not zlib's", async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        raw: Buffer.from('definitely not gzip'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expectProblem(reply, 400, 'invalid-request');
      expect(reply.text).not.toMatch(/incorrect header check|zlib/i);
      expect(reply.json.detail).toMatch(/does not decompress/);
    });

    it('schema violations name every offending field', async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        body: {
          rotationIntervalMs: 'daily',
          algorithm: 'DES',
          retentionVersions: 0,
          queueId: 'q1',
          extra: true,
        },
      });
      expectProblem(reply, 400, 'invalid-request');
      const paths = reply.json.errors.map((error: { path: string }) => error.path).sort();
      expect(paths).toEqual([
        'body.algorithm',
        'body.extra',
        'body.maxMessages',
        'body.queueId',
        'body.retentionVersions',
        'body.rotationIntervalMs',
      ]);
      expect(reply.json.errors).toContainEqual({ path: 'body.maxMessages', message: 'is required' });
      expect(reply.json.errors).toContainEqual({ path: 'body.extra', message: 'is not a known field' });
      expect(reply.json.detail).toContain('body.rotationIntervalMs');
      expect(h.ledger.calls.filter((call) => call.fn === 'KeyRotation:SetKeyPolicy')).toEqual([]);
    });

    it('an interval below 1 s is refused before the ledger sees it', async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        body: { ...POLICY, rotationIntervalMs: 999 },
      });
      expectProblem(reply, 400);
      expect(reply.json.errors).toEqual([
        { path: 'body.rotationIntervalMs', message: expect.stringContaining('1000') },
      ]);
    });

    it('path parameters must be ids', async () => {
      for (const path of [
        '/v1/queues/-starts-with-dash/policy',
        `/v1/queues/${'a'.repeat(129)}/policy`,
        '/v1/queues/has%20space/key',
        '/v1/proposals/%24dollar',
      ]) {
        const reply = await h.request('GET', path, { as: 'admin' });
        expectProblem(reply, 400, 'invalid-request');
        expect(reply.json.errors[0].path).toMatch(/^path\.(queueId|proposalId)$/);
      }
    });

    it('an empty path parameter is a 400 naming it, not a 404 the route does not document', async () => {
      const put = await h.request('PUT', '/v1/queues//policy', { as: 'admin', body: POLICY });
      expectProblem(put, 400, 'invalid-request');
      expect(put.json.errors).toEqual([{ path: 'path.queueId', message: 'must not be empty' }]);
      const versions = await h.request('GET', '/v1/queues/q1/frontends//versions/', { as: 'fe1' });
      expectProblem(versions, 400);
      expect(versions.json.errors).toEqual([{ path: 'path.name', message: 'must not be empty' }]);
      const both = await h.request('GET', '/v1/queues//frontends//versions', { as: 'fe1' });
      expect(both.json.errors.map((error: { path: string }) => error.path)).toEqual([
        'path.queueId',
        'path.name',
      ]);
      const wrongMethod = await h.request('DELETE', '/v1/queues//policy', { as: 'admin' });
      expectProblem(wrongMethod, 405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PUT');
      expectProblem(await h.request('GET', '/v1/queues//nothing', { as: 'admin' }), 404);
      expect(h.ledger.calls.filter((call) => call.fn === 'KeyRotation:SetKeyPolicy')).toEqual([]);
    });

    it('a malformed percent-encoding in the path is a 400', async () => {
      const reply = await h.request('GET', '/v1/queues/%E0%A4%A/policy', { as: 'admin' });
      expectProblem(reply, 400);
      expect(reply.json.detail).toContain('percent-encoding');
    });

    it('query parameters are validated and unknown ones refused', async () => {
      await queueWithKey(h);
      const since = await h.request('GET', '/v1/queues/q1/history?since=-1', { as: 'auditor' });
      expectProblem(since, 400);
      expect(since.json.errors).toEqual([
        { path: 'query.since', message: 'must be a non-negative decimal integer' },
      ]);
      const twice = await h.request('GET', '/v1/queues/q1/history?since=1&since=2', { as: 'auditor' });
      expect(twice.json.errors[0].path).toBe('query.since');
      const unknown = await h.request('GET', '/v1/queues?limit=5', { as: 'auditor' });
      expect(unknown.json.errors).toEqual([
        { path: 'query.limit', message: 'is not a known query parameter' },
      ]);
      const frontend = await h.request('POST', '/v1/queues/q1/encrypt?frontend=../etc', {
        as: 'fe1',
        body: { plaintext: '' },
      });
      expect(frontend.json.errors[0].path).toBe('query.frontend');
    });

    it('a required body that is missing is a 400 naming the body', async () => {
      const reply = await h.request('POST', '/v1/proposals/p1/reject', { as: 'val1' });
      expectProblem(reply, 400);
      expect(reply.json.errors).toEqual([{ path: 'body', message: 'is required' }]);
    });

    it('base64 fields must be strict base64', async () => {
      await queueWithKey(h);
      const plaintext = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: 'not base64!' },
      });
      expect(plaintext.json.errors).toEqual([
        { path: 'body.plaintext', message: expect.stringContaining('base64') },
      ]);
      const envelope = await h.request('POST', '/v1/queues/q1/decrypt', {
        as: 'fe1',
        body: { envelope: '' },
      });
      expect(envelope.json.errors[0].path).toBe('body.envelope');
      const signature = await h.request('POST', '/v1/proposals/p1/approve', {
        as: 'val1',
        body: { signature: 'abc' },
      });
      expect(signature.json.errors[0].path).toBe('body.signature');
    });

    it('rotate takes only reason "manual"; compromise needs a positive version and a reason', async () => {
      const rotate = await h.request('POST', '/v1/queues/q1/rotate', {
        as: 'val1',
        body: { reason: 'schedule' },
      });
      expect(rotate.json.errors[0].path).toBe('body.reason');
      const compromise = await h.request('POST', '/v1/queues/q1/compromise', {
        as: 'val1',
        body: { version: 0, reason: '' },
      });
      expect(compromise.json.errors.map((error: { path: string }) => error.path).sort()).toEqual([
        'body.reason',
        'body.version',
      ]);
    });

    it('a malformed Idempotency-Key is a 400', async () => {
      const reply = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        body: POLICY,
        headers: { 'idempotency-key': 'x'.repeat(256) },
      });
      expectProblem(reply, 400);
      expect(reply.json.errors[0].path).toBe('header.Idempotency-Key');
    });
  });

  describe('401 authentication', () => {
    it('no credentials: 401 with a Bearer challenge', async () => {
      const reply = await h.request('GET', '/v1/queues');
      expectProblem(reply, 401, 'unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="keyledger"');
    });

    it('an unknown token: 401 invalid_token, and the token is not echoed', async () => {
      const reply = await h.request('GET', '/v1/queues', {
        headers: { authorization: 'Bearer tok-admin-0123456789abcdeX' },
      });
      expectProblem(reply, 401);
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(reply.text).not.toContain('tok-admin');
    });

    it('other schemes and malformed headers: 401', async () => {
      for (const authorization of [
        'Basic YWRtaW46YWRtaW4=',
        'Bearer',
        'Bearer ',
        'Bearer a b',
        'Bearer tok with "quotes"',
        `Bearer ${'x'.repeat(5000)}`,
        tokenOf('admin'),
      ]) {
        const reply = await h.request('GET', '/v1/whoami', { headers: { authorization } });
        expectProblem(reply, 401);
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="keyledger"/);
      }
    });

    it('the scheme name is case-insensitive', async () => {
      const reply = await h.request('GET', '/v1/whoami', {
        headers: { authorization: `bearer ${tokenOf('admin')}` },
      });
      expect(reply.status).toBe(200);
    });

    it('401 comes before input validation and before the body is read', async () => {
      const reply = await h.request('PUT', '/v1/queues/-bad-/policy', {
        raw: '{oops',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(reply, 401);
    });
  });

  describe('403 forbidden', () => {
    it('the chaincode refuses a caller without the role (admin-only policy, validator-only votes)', async () => {
      const policy = await h.request('PUT', '/v1/queues/q1/policy', { as: 'auditor', body: POLICY });
      expectProblem(policy, 403, 'forbidden');
      expect(policy.json.detail).toContain('needs role admin');
      expect(policy.json.ledgerErrorKind).toBe('FORBIDDEN');
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
      const vote = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, { as: 'fe1' });
      expectProblem(vote, 403);
      const stranger = await h.request('GET', '/v1/queues', { as: 'stranger' });
      expectProblem(stranger, 403);
    });

    it('rotate-now and compromise need a validator agent acting as the caller', async () => {
      await queueWithKey(h);
      for (const as of ['admin', 'fe1', 'val3'] as const) {
        const rotate = await h.request('POST', '/v1/queues/q1/rotate', { as });
        expectProblem(rotate, 403, 'forbidden');
        expect(rotate.json.detail).toContain('is not a validator agent of this gateway');
        const compromise = await h.request('POST', '/v1/queues/q1/compromise', {
          as,
          body: { version: 1, reason: 'leak' },
        });
        expectProblem(compromise, 403);
      }
    });

    it('encrypt by a caller without a front-end node of its own is a 403, with or without ?frontend=', async () => {
      await queueWithKey(h);
      const own = await h.request('POST', '/v1/queues/q1/encrypt', { as: 'admin', body: { plaintext: '' } });
      expectProblem(own, 403, 'forbidden');
      expect(own.json.detail).toBe(
        'only a front-end can encrypt: admin (Org1MSP) is not a front-end node of this gateway',
      );
      const named = await h.request('POST', '/v1/queues/q1/encrypt?frontend=fe1', {
        as: 'admin',
        body: { plaintext: 'aGk=' },
      });
      expectProblem(named, 403, 'forbidden');
    });

    it("a front-end caller cannot use another organisation's front-end node", async () => {
      await queueWithKey(h);
      const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: 'aGk=' },
      });
      expect(sealed.status).toBe(200);
      for (const [path, body] of [
        ['/v1/queues/q1/encrypt?frontend=fe2', { plaintext: 'aGk=' }],
        ['/v1/queues/q1/decrypt?frontend=fe2', { envelope: sealed.json.envelope }],
      ] as const) {
        const reply = await h.request('POST', path, { as: 'fe1', body });
        expectProblem(reply, 403, 'forbidden');
        expect(reply.json.detail).toMatch(/^front-end node fe2 does not act as fe1 \(Org1MSP\)/);
      }
      expect(
        h.ledger.calls.some((call) => call.caller === 'fe1' && call.fn === 'KeyRotation:ReportMessageVolume'),
      ).toBe(false);
    });

    it('encrypt and decrypt through the own node still need the ledger role frontend', async () => {
      await queueWithKey(h);
      const fe1 = h.ledger.members.get(`${PEOPLE.fe1.mspId}/${PEOPLE.fe1.fingerprint}`);
      if (!fe1) {
        throw new Error('fe1 is not a member');
      }
      const roles = fe1.roles;
      fe1.roles = ['auditor'];
      try {
        const encrypt = await h.request('POST', '/v1/queues/q1/encrypt', {
          as: 'fe1',
          body: { plaintext: 'aGk=' },
        });
        expectProblem(encrypt, 403);
        expect(encrypt.json.detail).toBe('encrypt needs the ledger role frontend; fe1 has auditor');
        const decrypt = await h.request('POST', '/v1/queues/q1/decrypt', {
          as: 'fe1',
          body: { envelope: 'aGk=' },
        });
        expectProblem(decrypt, 403);
      } finally {
        fe1.roles = roles;
      }
    });
  });

  describe('404 not found', () => {
    it("an unknown queue is the chaincode's NOT_FOUND", async () => {
      for (const [method, path, body] of [
        ['GET', '/v1/queues/nope/policy'],
        ['GET', '/v1/queues/nope/key'],
        ['GET', '/v1/queues/nope/history'],
        ['GET', '/v1/queues/nope/proposals'],
        ['POST', '/v1/queues/nope/rotate', {}],
      ] as const) {
        const reply = await h.request(method, path, { as: method === 'POST' ? 'val1' : 'auditor', body });
        expectProblem(reply, 404, 'not-found');
        expect(reply.json.detail).toBe('queue nope not found');
      }
    });

    it('an unknown proposal, key version, front-end node or route', async () => {
      expectProblem(await h.request('GET', '/v1/proposals/nope', { as: 'auditor' }), 404);
      expectProblem(await h.request('POST', '/v1/proposals/nope/approve', { as: 'val1' }), 404);
      await queueWithKey(h);
      const version = await h.request('POST', '/v1/queues/q1/compromise', {
        as: 'val1',
        body: { version: 7, reason: 'leak' },
      });
      expectProblem(version, 404);
      expect(version.json.errors).toEqual([{ path: 'body.version', message: 'must be at most 1' }]);
      const node = await h.request('GET', '/v1/queues/q1/frontends/fe9/versions', { as: 'auditor' });
      expectProblem(node, 404);
      const named = await h.request('POST', '/v1/queues/q1/encrypt?frontend=fe9', {
        as: 'fe1',
        body: { plaintext: '' },
      });
      expectProblem(named, 404);
      expect(named.json.detail).toBe('no front-end node named fe9 on this gateway (known: fe1, fe2)');
      for (const path of ['/v1/nothing', '/v2/queues', '/v1/queues/q1/policy/extra', '/']) {
        const route = await h.request('GET', path);
        expectProblem(route, 404, 'not-found');
        expect(route.json.detail).toContain('/v1/openapi.json');
      }
    });

    it('encrypt or decrypt on a queue the front-end holds no key for', async () => {
      await h.request('PUT', '/v1/queues/q0/policy', { as: 'admin', body: POLICY });
      const encrypt = await h.request('POST', '/v1/queues/q0/encrypt', {
        as: 'fe1',
        body: { plaintext: 'aGk=' },
      });
      expectProblem(encrypt, 404);
      expect(encrypt.json.detail).toContain('holds no key for queue q0');
      expectProblem(
        await h.request('POST', '/v1/queues/zz/decrypt', { as: 'fe1', body: { envelope: 'aGk=' } }),
        404,
      );
    });
  });

  describe("requests Node's HTTP parser refuses get the same problem document", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async function raw(request: string): Promise<{ status: number; headers: string; json: any }> {
      const { hostname, port } = new URL(h.url);
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.end(request));
        let received = '';
        socket.on('data', (chunk) => {
          received += chunk.toString('utf8');
        });
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
      });
      const [head = '', body = ''] = text.split('\r\n\r\n');
      return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, json: JSON.parse(body) };
    }

    it('a 100 KB URL is a 414 uri-too-long with a request id', async () => {
      const reply = await raw(`GET /v1/queues/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(reply.status).toBe(414);
      expect(reply.json).toMatchObject({ type: 'urn:keyledger:problem:uri-too-long', status: 414 });
      expect(reply.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.headers).toContain(`X-Request-Id: ${reply.json.requestId}`);
      expect(reply.json.instance).toMatch(/^\/v1\/queues\/a+…$/);
    });

    it('100 KB of headers is a 431 naming the path it was for', async () => {
      const reply = await raw(`GET /v1/queues HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`);
      expect(reply.status).toBe(431);
      expect(reply.json).toMatchObject({
        type: 'urn:keyledger:problem:headers-too-large',
        instance: '/v1/queues',
      });
    });

    it('method FOO is a 400 with its instance and request id', async () => {
      const reply = await raw('FOO /v1/queues HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({
        type: 'urn:keyledger:problem:invalid-request',
        instance: '/v1/queues',
      });
      expect(reply.json.requestId).toEqual(expect.any(String));
    });
  });

  describe('405, 409, 413, 415, 422', () => {
    it('a known path with a wrong method: 405 with Allow', async () => {
      const del = await h.request('DELETE', '/v1/queues', { as: 'admin' });
      expectProblem(del, 405, 'method-not-allowed');
      expect(del.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      const patch = await h.request('PATCH', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      expectProblem(patch, 405);
      expect(patch.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PUT');
      const get = await h.request('GET', '/v1/queues/q1/rotate');
      expect(get.headers.get('allow')).toBe('OPTIONS, POST');
      expectProblem(await h.request('POST', '/metrics'), 405);
    });

    it('409: voting twice, rotating with a proposal open, reporting a compromise twice', async () => {
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      const rotated = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
      const twice = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, {
        as: 'val1',
      });
      expectProblem(twice, 409, 'conflict');
      expect(twice.json.detail).toContain('has already voted');
      const again = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val2' });
      expectProblem(again, 409);
      expect(again.json).toMatchObject({ proposalId: rotated.json.proposalId });
      await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, { as: 'val2' });
      const closed = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/reject`, {
        as: 'val3',
        body: { reason: 'late' },
      });
      expectProblem(closed, 409);
      expect(closed.json.detail).toContain('is committed, not open');
      await h.request('POST', '/v1/queues/q1/compromise', {
        as: 'val1',
        body: { version: 1, reason: 'leak' },
      });
      const reported = await h.request('POST', '/v1/queues/q1/compromise', {
        as: 'val2',
        body: { version: 1, reason: 'leak' },
      });
      expectProblem(reported, 409);
      expect(reported.json.detail).toContain('already reported compromised');
    });

    it('409: encrypt when every key version the node holds is compromised', async () => {
      await queueWithKey(h);
      await h.request('POST', '/v1/queues/q1/compromise', {
        as: 'val1',
        body: { version: 1, reason: 'leak' },
      });
      const reply = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: 'aGk=' },
      });
      expectProblem(reply, 409);
      expect(reply.json.detail).toContain('no usable key version');
    });

    it('413: bodies over the limit (64 KiB control plane, ~1.4 MB for encrypt/decrypt)', async () => {
      const policy = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        body: { ...POLICY, pad: 'x'.repeat(70 * 1024) },
      });
      expectProblem(policy, 413, 'content-too-large');
      expect(policy.json.detail).toContain('65536');
      await queueWithKey(h);
      const encrypt = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: Buffer.alloc(1_200_000).toString('base64') },
      });
      expectProblem(encrypt, 413);
      const justOver = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: Buffer.alloc(1024 * 1024 + 1).toString('base64') },
      });
      expectProblem(justOver, 400);
      expect(justOver.json.errors).toEqual([
        { path: 'body.plaintext', message: 'must decode to at most 1048576 bytes' },
      ]);
    });

    it('415: a body that is not JSON', async () => {
      const text = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        raw: JSON.stringify(POLICY),
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(text, 415, 'unsupported-media-type');
      expect(text.json.detail).toBe('the request body must be application/json, not text/plain');
      const form = await h.request('POST', '/v1/queues/q1/rotate', {
        as: 'val1',
        raw: 'reason=manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(form, 415);
      const latin1 = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        raw: JSON.stringify(POLICY),
        headers: { 'content-type': 'application/json; charset=latin1' },
      });
      expectProblem(latin1, 415);
      const merge = await h.request('PUT', '/v1/queues/q1/policy', {
        as: 'admin',
        raw: JSON.stringify(POLICY),
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(merge.status).toBe(201);
    });

    it('422: an envelope that does not authenticate or is not an envelope', async () => {
      await queueWithKey(h);
      const sealed = await h.request('POST', '/v1/queues/q1/encrypt', {
        as: 'fe1',
        body: { plaintext: 'aGVsbG8=' },
      });
      const bytes = Buffer.from(sealed.json.envelope, 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
      const tampered = await h.request('POST', '/v1/queues/q1/decrypt', {
        as: 'fe1',
        body: { envelope: bytes.toString('base64') },
      });
      expectProblem(tampered, 422, 'undecryptable-envelope');
      expect(tampered.json.detail).toContain('does not authenticate');
      const garbage = await h.request('POST', '/v1/queues/q1/decrypt', {
        as: 'fe1',
        body: { envelope: 'aGk=' },
      });
      expectProblem(garbage, 422);
      const otherQueue = await queueWithKey(h, 'q2').then(() =>
        h.request('POST', '/v1/queues/q2/decrypt', { as: 'fe1', body: { envelope: sealed.json.envelope } }),
      );
      expectProblem(otherQueue, 422);
    });
  });

  describe('414, 431: what Node refuses before any route runs', () => {
    async function documented(path: string, method: string, status: number): Promise<boolean> {
      const doc = (await h.request('GET', '/v1/openapi.json')).json;
      return doc.paths[path][method].responses[String(status)] !== undefined;
    }

    it('a request line over the header limit is a documented 414 problem naming the path', async () => {
      const reply = await h.request('GET', `/v1/queues/${'z'.repeat(20_000)}/key`, { as: 'admin' });
      expectProblem(reply, 414, 'uri-too-long');
      expect(reply.json.instance).toBe(`/v1/queues/${'z'.repeat(189)}…`);
      expect(reply.json.requestId).toBe(reply.headers.get('x-request-id'));
      expect(await documented('/v1/queues/{queueId}/key', 'get', 414)).toBe(true);
    });

    it('headers over the limit are a documented 431 problem', async () => {
      const reply = await h.request('GET', '/v1/queues/q1/key', {
        headers: { authorization: `Bearer ${'B'.repeat(20_000)}` },
      });
      expectProblem(reply, 431, 'headers-too-large');
      expect(reply.json.instance).toBe('/v1/queues/q1/key');
      expect(reply.json.requestId).toBe(reply.headers.get('x-request-id'));
      expect(reply.text).not.toContain('BBBB');
      expect(await documented('/v1/queues/{queueId}/key', 'get', 431)).toBe(true);
      expect(await documented('/health', 'get', 431)).toBe(true);
    });
  });

  describe('refusals of the rotation layer map to 409 / 422', () => {
    it('a rotation that cannot be proposed as things stand is a 409', async () => {
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      (h.validators.get('val1') as { failWith?: Error }).failWith = new RotationPreconditionError({
        message: 'front-end fe2 (Org2MSP/ab) has not published its key-wrapping key yet',
      });
      const reply = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
      expectProblem(reply, 409, 'conflict');
      expect(reply.json.detail).toBe('front-end fe2 (Org2MSP/ab) has not published its key-wrapping key yet');
    });

    it('a front-end that lost its usable key between the check and the call is a 409', async () => {
      await queueWithKey(h);
      (h.frontends.get('fe1') as { failEncryptWith?: Error }).failEncryptWith = new KeyUnavailableError({
        code: 'NO_USABLE_KEY',
        queueId: 'q1',
        message: 'front-end fe1 holds no usable key version for queue q1',
      });
      expectProblem(
        await h.request('POST', '/v1/queues/q1/encrypt', { as: 'fe1', body: { plaintext: '' } }),
        409,
      );
    });

    it('an envelope under a version past retention is a 422; an unexpected decrypt failure is a 500', async () => {
      await queueWithKey(h);
      const fe1 = h.frontends.get('fe1') as unknown as {
        decrypt: (q: string, e: Uint8Array) => Promise<unknown>;
      };
      fe1.decrypt = () =>
        Promise.reject(
          new KeyUnavailableError({
            code: 'PAST_RETENTION',
            queueId: 'q1',
            message: 'key version 1 of queue q1 is past retention',
            version: 1,
          }),
        );
      const past = await h.request('POST', '/v1/queues/q1/decrypt', {
        as: 'fe1',
        body: { envelope: 'aGk=' },
      });
      expectProblem(past, 422, 'undecryptable-envelope');
      expect(past.json.detail).toBe('key version 1 of queue q1 is past retention');
      fe1.decrypt = () => Promise.reject(new RangeError('offset out of range'));
      expectProblem(
        await h.request('POST', '/v1/queues/q1/decrypt', { as: 'fe1', body: { envelope: 'aGk=' } }),
        500,
      );
    });
  });

  describe('5xx only for failures of ours or of a dependency', () => {
    it('an HSM failure in the agent is a 503', async () => {
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      (h.validators.get('val1') as { failWith?: Error }).failWith = new HsmError({
        message: 'HSM generate key failed',
        ckr: 'CKR_DEVICE_ERROR',
      });
      const reply = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
      expectProblem(reply, 503, 'unavailable');
      expect(reply.json.detail).toBe('the HSM failed the operation (CKR_DEVICE_ERROR)');
    });

    it('an unexpected error is a 500 that reveals nothing but the request id, and is logged', async () => {
      await h.request('PUT', '/v1/queues/q1/policy', { as: 'admin', body: POLICY });
      (h.validators.get('val1') as { failWith?: Error }).failWith = new TypeError(
        'cannot read x of undefined at /srv/secret/path',
      );
      const reply = await h.request('POST', '/v1/queues/q1/rotate', { as: 'val1' });
      expectProblem(reply, 500, 'internal-error');
      expect(reply.json.detail).toBe(
        `an unexpected error occurred; quote request id ${reply.json.requestId}`,
      );
      expect(reply.text).not.toContain('secret');
      expect(
        h.logs.some((line) => line.includes('unexpected error') && line.includes(reply.json.requestId)),
      ).toBe(true);
    });
  });

  it('fuzz: random bodies, headers and paths never produce a 5xx', async () => {
    await queueWithKey(h);
    const targets: [string, string][] = [
      ['PUT', '/v1/queues/q1/policy'],
      ['POST', '/v1/queues/q1/rotate'],
      ['POST', '/v1/queues/q1/compromise'],
      ['POST', '/v1/queues/q1/encrypt'],
      ['POST', '/v1/queues/q1/decrypt'],
      ['POST', '/v1/proposals/p1/approve'],
      ['POST', '/v1/proposals/p1/reject'],
    ];
    const values = (): unknown[] => [
      null,
      true,
      -1,
      0,
      1.5,
      2 ** 60,
      '',
      'x'.repeat(2000),
      randomBytes(8).toString('base64'),
      [],
      {},
      { nested: { deeper: [1, 'a'] } },
      '\u0000\uffff',
    ];
    const fields = [
      'plaintext',
      'envelope',
      'version',
      'reason',
      'signature',
      'rotationIntervalMs',
      'maxMessages',
      'algorithm',
      '__proto__',
      'constructor',
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses = new Set<number>();
    for (let i = 0; i < 150; i += 1) {
      const [method, path] = targets[random(targets.length)] as [string, string];
      const body: Record<string, unknown> = {};
      for (let f = random(4); f > 0; f -= 1) {
        body[fields[random(fields.length)] as string] = values()[random(13)];
      }
      const raw =
        random(5) === 0
          ? randomBytes(random(64)).toString('latin1')
          : random(6) === 0
            ? JSON.stringify(body).slice(0, random(20))
            : JSON.stringify(body);
      const as = (['admin', 'val1', 'fe1', 'auditor'] as const)[random(4)];
      const reply = await h.request(method, path, {
        as,
        raw,
        headers: { 'content-type': 'application/json' },
      });
      statuses.add(reply.status);
      expect(reply.status).toBeLessThan(500);
      if (reply.status >= 400) {
        expect(reply.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      }
    }
    expect([...statuses].some((status) => status === 400)).toBe(true);
  });
});
