/**
 * The signing service's REST API end to end: the gateway's app with the signing module over the real service
 * (devnet, SoftHSM, two CAs over HTTPS), driven like a curl session by callers with their own ledger identities —
 * the signer, an admin, a front-end (no signing rights) and an auditor.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createApp, fabricIdentityResolver, startApiServer, type ApiServer } from '../../gateway/src/api';
import { signingApi } from '../../gateway/src/signing/api';
import { MAX_CLAIMS_BYTES } from '../../gateway/src/signing/schemas';
import { SigningService } from '../../gateway/src/signing/service';
import { SIGNING_SERVICE_ID, startSigningNet, type SigningNet } from './support/signingNet';

jest.setTimeout(120_000);

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

type Who = 'signer' | 'admin' | 'frontend' | 'auditor';

describe('signing REST API (devnet, SoftHSM, two CAs over HTTPS)', () => {
  let signingNet: SigningNet;
  let service: SigningService;
  let server: ApiServer;
  let identities: ReturnType<typeof fabricIdentityResolver>;
  const tokens = new Map<Who, string>();
  const dataDir = (): string => join(signingNet.net.dataDir, 'signing-api');

  const serve = async (): Promise<ApiServer> =>
    startApiServer({
      app: createApp({
        identities: identities.resolver,
        modules: [signingApi({ service, validator: signingNet.validator })],
      }),
      host: '127.0.0.1',
      port: 0,
    });

  async function call(
    method: string,
    path: string,
    options: { as?: Who; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.as) headers['authorization'] = `Bearer ${tokens.get(options.as)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }

  function expectProblem(reply: Reply, status: number, detail?: RegExp): void {
    expect({ status: reply.status, type: reply.headers.get('content-type') }).toEqual({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    if (detail) expect(reply.json.detail).toMatch(detail);
  }

  const signed = async (claims: Record<string, unknown>, as: Who = 'signer'): Promise<Reply> => {
    const accepted = await call('POST', '/v1/signing/requests', { as, body: { claims } });
    expect(accepted.status).toBe(202);
    return call('GET', `${accepted.headers.get('location')}?waitMs=10000`, { as });
  };

  beforeAll(async () => {
    signingNet = await startSigningNet('keyledger-signing-api-', 'signing-api');
    const { net } = signingNet;
    const frontend = await net.addMember('frontend', 'frontend');
    const auditor = await net.addMember('auditor', 'auditor');
    const members = { signer: signingNet.signer, admin: net.admin, frontend, auditor };
    for (const who of Object.keys(members) as Who[]) {
      tokens.set(who, `e2e-${randomBytes(24).toString('base64url')}`);
    }
    identities = fabricIdentityResolver(
      (Object.entries(members) as [Who, (typeof members)[Who]][]).map(([name, member]) => ({
        name,
        fabric: member.fabric,
        tokens: [tokens.get(name) as string],
      })),
    );
    service = await SigningService.start(signingNet.serviceOptions(dataDir()));
    server = await serve();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await service?.stop().catch(() => undefined);
    identities?.close();
    await signingNet?.stop();
  });

  it('accepts claims with 202 and a Location; the status answers the token, which verifies against the ledger and the CAs', async () => {
    const accepted = await call('POST', '/v1/signing/requests', {
      as: 'signer',
      body: { claims: { sub: 'alice', role: 'reader', n: 3 }, audience: 'demo', lifetimeSeconds: 600 },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ state: 'queued', done: false });
    expect(accepted.headers.get('location')).toBe(`/v1/signing/requests/${accepted.json.id}`);

    const status = await call('GET', `${accepted.headers.get('location')}?waitMs=10000`, { as: 'signer' });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ id: accepted.json.id, state: 'done', done: true });
    const { token, kid } = status.json.result;
    expect(kid).toBe(service.keys.peek()?.kid);

    const verdict = await call('POST', '/v1/signing/verify', { as: 'frontend', body: { token } });
    expect(verdict.status).toBe(200);
    expect(verdict.json).toMatchObject({
      valid: true,
      kid,
      keyStatus: 'active',
      validatedBy: 'ca1',
      revocation: { checked: 'crl', policy: 'hard-fail' },
      claims: {
        sub: 'alice',
        role: 'reader',
        n: 3,
        aud: 'demo',
        jti: accepted.json.id,
        iss: SIGNING_SERVICE_ID,
      },
    });
    expect(verdict.json.claims.exp - verdict.json.claims.iat).toBe(600);

    // The JWKS is public, from the ledger, cacheable, and holds the key and nothing private.
    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=30');
    expect(jwks.json.keys.map((key: { kid: string }) => key.kid)).toContain(kid);
    expect(JSON.stringify(jwks.json)).not.toMatch(/"d":/);

    const keys = await call('GET', '/v1/signing/keys?status=active', { as: 'auditor' });
    expect(keys.json).toMatchObject({ activeKid: kid, keys: [{ kid, status: 'active' }] });

    // Tampered: the verdict says why, still a 200 (the question was answered).
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url')}.${s}`;
    await expect(
      call('POST', '/v1/signing/verify', { as: 'admin', body: { token: forged } }),
    ).resolves.toMatchObject({
      status: 200,
      json: { valid: false, reason: 'bad-signature' },
    });
    await expect(
      call('POST', '/v1/signing/verify', { as: 'admin', body: { token: 'a.b' } }),
    ).resolves.toMatchObject({ status: 200, json: { valid: false, reason: 'malformed' } });
  });

  it('a batch of 100 is accepted whole; 101 is refused whole and nothing is stored', async () => {
    const before = service.queue.stats();
    const tooMany = await call('POST', '/v1/signing/requests/batch', {
      as: 'admin',
      body: { requests: Array.from({ length: 101 }, (_, i) => ({ claims: { sub: `u${i}` } })) },
    });
    expectProblem(tooMany, 400, /body\.requests must hold at most 100 requests/);
    expect(service.queue.stats().byState).toEqual(before.byState);

    const batch = await call('POST', '/v1/signing/requests/batch', {
      as: 'admin',
      body: { requests: Array.from({ length: 100 }, (_, i) => ({ claims: { sub: `u${i}` } })) },
    });
    expect(batch.status).toBe(202);
    expect(batch.json.requests).toHaveLength(100);
    const done = await Promise.all(
      batch.json.requests.map((op: { id: string }) =>
        call('GET', `/v1/signing/requests/${op.id}?waitMs=10000`, { as: 'admin' }),
      ),
    );
    expect(done.map((reply) => reply.json.state)).toEqual(Array.from({ length: 100 }, () => 'done'));
  });

  it('an Idempotency-Key answers the first request, even after a restart of the service and the gateway; another body is a 422', async () => {
    const key = { 'idempotency-key': `order-${randomBytes(4).toString('hex')}` };
    const body = { claims: { sub: 'carol' } };
    const first = await call('POST', '/v1/signing/requests', { as: 'signer', body, headers: key });
    const firstDone = await call('GET', `/v1/signing/requests/${first.json.id}?waitMs=10000`, {
      as: 'signer',
    });
    expect(firstDone.json.state).toBe('done');

    // A new gateway (its in-memory replay store empty) over a restarted service: the queue remembers the key.
    await server.close();
    await service.stop();
    service = await SigningService.start(signingNet.serviceOptions(dataDir()));
    server = await serve();
    const again = await call('POST', '/v1/signing/requests', { as: 'signer', body, headers: key });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: first.json.id, state: 'done', result: firstDone.json.result });

    const other = await call('POST', '/v1/signing/requests', {
      as: 'signer',
      body: { claims: { sub: 'mallory' } },
      headers: key,
    });
    expectProblem(other, 422);
    // Keys are the caller's own: the admin's same key is a new request.
    const admins = await call('POST', '/v1/signing/requests', { as: 'admin', body, headers: key });
    expect(admins.status).toBe(202);
    expect(admins.json.id).not.toBe(first.json.id);
  });

  it('only signers and admins may request; a status is the requester’s (and auditors’), others see 404', async () => {
    expectProblem(
      await call('POST', '/v1/signing/requests', { as: 'frontend', body: { claims: { sub: 'x' } } }),
      403,
      /role signer or admin/,
    );
    expectProblem(await call('POST', '/v1/signing/requests', { body: { claims: { sub: 'x' } } }), 401);
    const mine = await signed({ sub: 'dave' });
    const path = `/v1/signing/requests/${mine.json.id}`;
    expectProblem(await call('GET', path, { as: 'frontend' }), 404, /no signing request/);
    await expect(call('GET', path, { as: 'auditor' })).resolves.toMatchObject({ status: 200 });
    await expect(call('GET', path, { as: 'admin' })).resolves.toMatchObject({ status: 200 });
    expectProblem(await call('GET', '/v1/signing/requests/no-such-request', { as: 'admin' }), 404);
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const before = service.queue.stats();
    const bad: [unknown, RegExp][] = [
      [{ claims: { iss: 'me', exp: 1 } }, /body\.claims\.iss is set by the service.*body\.claims\.exp/],
      [{ claims: { keyledger: {} } }, /body\.claims\.keyledger is set by the service/],
      [{ claims: {} }, /body\.claims must name at least one claim/],
      [{ claims: { big: 'x'.repeat(MAX_CLAIMS_BYTES) } }, /at most 8192 bytes/],
      [{ claims: { sub: 'x' }, lifetimeSeconds: 0 }, /body\.lifetimeSeconds/],
      [{ claims: { sub: 'x' }, lifetimeSeconds: 86_401 }, /body\.lifetimeSeconds/],
      [{ claims: { sub: 'x' }, audience: [] }, /body\.audience/],
      [{ claims: { sub: 'x' }, extra: 1 }, /body\.extra is not a known field/],
      [{ claims: 'sub=x' }, /body\.claims/],
    ];
    for (const [body, detail] of bad) {
      expectProblem(await call('POST', '/v1/signing/requests', { as: 'signer', body }), 400, detail);
    }
    expectProblem(await call('GET', '/v1/signing/requests/x?waitMs=60000', { as: 'signer' }), 400, /waitMs/);
    expectProblem(
      await call('POST', '/v1/signing/verify', { as: 'signer', body: { token: 'x', revocation: 'maybe' } }),
      400,
      /body\.revocation/,
    );
    expect(service.queue.stats().byState).toEqual(before.byState);
  });

  it('revoking the active key as the caller rotates at once: the old token is rejected and says why, new ones carry the new kid', async () => {
    const before = await signed({ sub: 'frank' });
    const { token, kid } = before.json.result;
    expectProblem(
      await call('POST', `/v1/signing/keys/${kid}/revoke`, {
        as: 'frontend',
        body: { reason: 'keyCompromise' },
      }),
      403,
    );
    expectProblem(
      await call('POST', `/v1/signing/keys/${kid}/revoke`, { as: 'signer', body: { reason: 'stolen' } }),
      400,
      /body\.reason/,
    );
    expectProblem(
      await call('POST', `/v1/signing/keys/${'A'.repeat(43)}/revoke`, {
        as: 'signer',
        body: { reason: 'keyCompromise' },
      }),
      404,
    );
    expect(service.keys.peek()?.kid).toBe(kid);

    const revoked = await call('POST', `/v1/signing/keys/${kid}/revoke`, {
      as: 'signer',
      body: { reason: 'keyCompromise' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      revoked: { kid, status: 'revoked', revocationReason: 'keyCompromise' },
      rotation: { cause: 'revoked', previousKid: kid },
    });
    const newKid = revoked.json.rotation.kid;
    expect(newKid).not.toBe(kid);
    expect(service.keys.peek()?.kid).toBe(newKid);

    await expect(call('POST', '/v1/signing/verify', { as: 'admin', body: { token } })).resolves.toMatchObject(
      {
        status: 200,
        json: { valid: false, reason: 'compromise-time-unknown', kid, keyStatus: 'revoked' },
      },
    );
    const after = await signed({ sub: 'grace' });
    expect(after.json.result.kid).toBe(newKid);
    await expect(
      call('POST', '/v1/signing/verify', { as: 'admin', body: { token: after.json.result.token } }),
    ).resolves.toMatchObject({ json: { valid: true, kid: newKid } });
    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.json.keys.map((key: { kid: string }) => key.kid)).toEqual(expect.arrayContaining([newKid]));
    expect(jwks.json.keys.map((key: { kid: string }) => key.kid)).not.toContain(kid);
    expectProblem(
      await call('POST', `/v1/signing/keys/${kid}/revoke`, {
        as: 'signer',
        body: { reason: 'keyCompromise' },
      }),
      409,
      /already revoked/,
    );
  });

  it('health reports the queue, the active key and each CA; a CA down is degraded (200), not down', async () => {
    const healthy = await call('GET', '/health');
    expect(healthy.status).toBe(200);
    expect(healthy.json).toMatchObject({
      status: 'ok',
      checks: {
        signing: {
          status: 'ok',
          data: {
            activeKid: service.keys.peek()?.kid,
            queue: { depth: expect.any(Number), byState: expect.any(Object) },
            cas: [
              { caId: 'ca1', state: 'healthy' },
              { caId: 'ca2', state: 'healthy' },
            ],
          },
        },
      },
    });
    // Last: ca1 stays down for the rest of this file.
    await signingNet.cas[0]!.server.stop();
    await signingNet.validator.checkHealth();
    const degraded = await call('GET', '/health');
    expect(degraded.status).toBe(200);
    expect(degraded.json).toMatchObject({
      status: 'degraded',
      checks: { signing: { status: 'degraded', detail: expect.stringMatching(/CA ca1 unreachable/) } },
    });
    // Signing and verification carry on through ca2.
    const token = (await signed({ sub: 'erin' })).json.result.token;
    const verdict = await call('POST', '/v1/signing/verify', { as: 'admin', body: { token } });
    expect(verdict.json).toMatchObject({ valid: true, validatedBy: 'ca2' });
  });
});
