/**
 * The threshold custody REST API's refusals end to end: the gateway's app with the threshold module over a
 * devnet, and a ThresholdService whose modules never answer. Every route refuses bad input (400 problem+json
 * naming the field), a caller without the role (403), an unknown key, module or session (404) — and the ledger
 * is left as it was. Ceremonies and signing through real modules are in their own e2e test.
 */
import { randomBytes } from 'node:crypto';
import { createApp, fabricIdentityResolver, startApiServer, type ApiServer } from '../../gateway/src/api';
import { CustodyLedger } from '../../gateway/src/threshold/custodyLedger';
import { thresholdApi } from '../../gateway/src/threshold/api';
import { ThresholdService } from '../../gateway/src/threshold/service/thresholdService';
import { startMemberNet, type MemberNet, type NetMember } from './support/memberNet';
import { silent } from './support/shardsNet';

jest.setTimeout(120_000);

interface Reply {
  readonly status: number;
  readonly type: string | null;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

type Who = 'admin' | 'orchestrator' | 'auditor';

const b64 = (bytes: number): string => Buffer.alloc(bytes, 5).toString('base64');
const escrow = { ephemeral: 'ab'.repeat(32), iv: b64(12), tag: b64(16), ciphertext: b64(32) };

describe('threshold REST API refusals (devnet, modules that never answer)', () => {
  let net: MemberNet;
  let server: ApiServer;
  let custody: CustodyLedger;
  let moduleCalls = 0;
  const tokens = new Map<Who, string>();

  async function call(method: string, path: string, as: Who, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(as) ?? ''}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      json: text ? JSON.parse(text) : undefined,
    };
  }

  function expectProblem(reply: Reply, status: number, detail?: RegExp, field?: string): void {
    expect({ status: reply.status, type: reply.type }).toEqual({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    if (detail) expect(reply.json.detail).toMatch(detail);
    if (field) expect((reply.json.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  }

  /** What the ledger holds of threshold custody for the keys the tests touch. */
  async function ledgerState(): Promise<unknown> {
    const keys = ['k-ok', 'k-unknown', 'k-policy'];
    return {
      modules: await custody.moduleViews(0),
      policies: await Promise.all(keys.map((keyId) => custody.policy(keyId))),
      commitments: await Promise.all(keys.map((keyId) => custody.latestCommitments(keyId))),
    };
  }

  beforeAll(async () => {
    net = await startMemberNet({ prefix: 'keyledger-threshold-api-' });
    const members = new Map<Who, NetMember>([
      ['admin', net.admin],
      ['orchestrator', await net.addMember('orchestrator', 'orchestrator')],
      ['auditor', await net.addMember('auditor', 'auditor')],
    ]);
    for (const name of members.keys()) tokens.set(name, `e2e-${randomBytes(24).toString('base64url')}`);
    const identities = fabricIdentityResolver(
      [...members.entries()].map(([name, member]) => ({
        name,
        fabric: member.fabric,
        tokens: [tokens.get(name) as string],
      })),
    );
    net.onStop(() => identities.close());
    const service = new ThresholdService({
      modules: {
        call: () => {
          moduleCalls += 1;
          return Promise.reject(new Error('no modules'));
        },
      },
      logger: silent,
    });
    server = await startApiServer({
      app: createApp({ identities: identities.resolver, modules: [thresholdApi({ service })] }),
      host: '127.0.0.1',
      port: 0,
    });
    net.onStop(() => server.close());
    custody = new CustodyLedger(net.connectionAs(net.admin));
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  it('refuses bad input on every route with 400 problem+json naming the field, and changes nothing', async () => {
    const before = await ledgerState();
    const cases: [string, string, unknown, string][] = [
      ['GET', '/v1/threshold/modules?minScore=high', undefined, 'query.minScore'],
      ['GET', '/v1/threshold/modules?minScore=1001', undefined, 'query.minScore'],
      ['GET', '/v1/threshold/modules/.hidden', undefined, 'path.moduleId'],
      ['PUT', '/v1/threshold/keys/k-ok/policy', { t: 4, n: 3, minTrust: 0 }, 'body.t'],
      ['PUT', '/v1/threshold/keys/k-ok/policy', { t: 2, n: 3 }, 'body.minTrust'],
      ['PUT', '/v1/threshold/keys/k-ok/policy', { t: 2, n: 256, minTrust: 0 }, 'body.n'],
      ['PUT', `/v1/threshold/keys/${'k'.repeat(65)}/policy`, { t: 2, n: 3, minTrust: 0 }, 'path.keyId'],
      ['POST', '/v1/threshold/keys', {}, 'body.keyId'],
      ['POST', '/v1/threshold/keys', { keyId: 'k-ok', mode: 'shamir' }, 'body.mode'],
      ['POST', '/v1/threshold/keys', { keyId: 'k-ok', dealer: 'm1' }, 'body.dealer'],
      ['GET', '/v1/threshold/keys/-k', undefined, 'path.keyId'],
      ['POST', '/v1/threshold/keys/k-ok/sign', {}, 'body'],
      ['POST', '/v1/threshold/keys/k-ok/sign', { message: b64(3), jws: { payload: {} } }, 'body.jws'],
      ['POST', '/v1/threshold/keys/k-ok/sign', { message: b64(64 * 1024 + 1) }, 'body.message'],
      ['POST', '/v1/threshold/keys/k-ok/sign', { message: 'not base64!' }, 'body.message'],
      [
        'POST',
        '/v1/threshold/keys/k-ok/sign',
        { jws: { payload: { x: 'y'.repeat(8192) } } },
        'body.jws.payload',
      ],
      [
        'POST',
        '/v1/threshold/keys/k-ok/sign',
        { jws: { payload: {}, header: { alg: 'none' } } },
        'body.jws.header.alg',
      ],
      ['POST', '/v1/threshold/keys/k.ok~/refresh', undefined, 'path.keyId'],
      ['POST', '/v1/threshold/keys/k-ok/escrow', { secret: '', context: 'db' }, 'body.secret'],
      ['POST', '/v1/threshold/keys/k-ok/escrow', { secret: b64(4097), context: 'db' }, 'body.secret'],
      ['POST', '/v1/threshold/keys/k-ok/escrow', { secret: b64(8), context: '' }, 'body.context'],
      [
        'POST',
        '/v1/threshold/keys/k-ok/unwrap',
        { escrow: { ...escrow, ephemeral: 'zz' }, context: 'db' },
        'body.escrow.ephemeral',
      ],
      ['POST', '/v1/threshold/keys/k-ok/unwrap', { escrow }, 'body.context'],
      ['POST', '/v1/threshold/keys/k-ok/derive', { purpose: 'DB', epoch: 1 }, 'body.purpose'],
      ['POST', '/v1/threshold/keys/k-ok/derive', { purpose: 'db', epoch: -1 }, 'body.epoch'],
      ['GET', '/v1/threshold/sessions/sg%20x', undefined, 'path.sessionId'],
      ['POST', '/v1/threshold/modules/m1/faults', { misbehave: ['lie'] }, 'body.misbehave[0]'],
      ['POST', '/v1/threshold/modules/m1/faults', {}, 'body.misbehave'],
    ];
    for (const [method, path, body, field] of cases) {
      const reply = await call(method, path, 'admin', body);
      expectProblem(reply, 400, undefined, field);
    }
    // An unknown field: the policy's key is the path's, not the body's.
    expectProblem(
      await call('PUT', '/v1/threshold/keys/k-ok/policy', 'admin', { t: 2, n: 3, minTrust: 0, keyId: 'x' }),
      400,
    );
    expect(moduleCalls).toBe(0);
    expect(await ledgerState()).toEqual(before);
  });

  it('lets only admins set a module’s faults, before the module is asked', async () => {
    expectProblem(
      await call('POST', '/v1/threshold/modules/m1/faults', 'orchestrator', { misbehave: [] }),
      403,
      /needs the role admin/,
    );
    expect(moduleCalls).toBe(0);
  });

  it('refuses a caller without the role: 403 from the ledger, before any module is asked', async () => {
    const before = await ledgerState();
    expectProblem(
      await call('PUT', '/v1/threshold/keys/k-ok/policy', 'orchestrator', { t: 2, n: 3, minTrust: 0 }),
      403,
    );
    expectProblem(
      await call('PUT', '/v1/threshold/keys/k-ok/policy', 'auditor', { t: 2, n: 3, minTrust: 0 }),
      403,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys', 'orchestrator', { keyId: 'k-ok' }),
      403,
      /needs the role admin/,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-ok/refresh', 'auditor'),
      403,
      /needs the role admin/,
    );
    for (const [path, body] of [
      ['sign', { message: b64(8) }],
      ['unwrap', { escrow, context: 'db' }],
      ['derive', { purpose: 'db', epoch: 1 }],
    ] as const) {
      expectProblem(
        await call('POST', `/v1/threshold/keys/k-ok/${path}`, 'auditor', body),
        403,
        /needs the role orchestrator or admin/,
      );
    }
    expect(moduleCalls).toBe(0);
    expect(await ledgerState()).toEqual(before);
  });

  it('answers 404 for an unknown key, module and session, and changes nothing', async () => {
    const before = await ledgerState();
    expectProblem(await call('GET', '/v1/threshold/keys/k-unknown', 'auditor'), 404, /unknown to the ledger/);
    expectProblem(
      await call('POST', '/v1/threshold/keys', 'admin', { keyId: 'k-unknown' }),
      404,
      /no threshold policy/,
    );
    expectProblem(await call('POST', '/v1/threshold/keys/k-unknown/refresh', 'admin'), 404);
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-unknown/sign', 'orchestrator', { message: b64(8) }),
      404,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-unknown/sign', 'admin', { jws: { payload: { sub: 'a' } } }),
      404,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-unknown/escrow', 'auditor', { secret: b64(8), context: 'db' }),
      404,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-unknown/unwrap', 'orchestrator', { escrow, context: 'db' }),
      404,
    );
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-unknown/derive', 'orchestrator', { purpose: 'db', epoch: 1 }),
      404,
    );
    expectProblem(await call('GET', '/v1/threshold/modules/hsm-none', 'auditor'), 404);
    expectProblem(await call('GET', '/v1/threshold/sessions/sg-none', 'auditor'), 404);
    expect((await call('GET', '/v1/threshold/modules?minScore=0', 'auditor')).json).toEqual({ modules: [] });
    expect(moduleCalls).toBe(0);
    expect(await ledgerState()).toEqual(before);
  });

  it('sets a policy as admin (the key then reads with it), and keygen without modules fails without commitments', async () => {
    const set = await call('PUT', '/v1/threshold/keys/k-policy/policy', 'admin', {
      t: 2,
      n: 3,
      minTrust: 100,
    });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ keyId: 'k-policy', t: 2, n: 3, minTrust: 100, version: 1 });
    const key = await call('GET', '/v1/threshold/keys/k-policy', 'auditor');
    expect(key.status).toBe(200);
    expect(key.json).toMatchObject({
      keyId: 'k-policy',
      policy: { t: 2, n: 3 },
      epoch: null,
      groupPublicKey: null,
      jwk: null,
      acknowledgements: null,
    });
    const keygen = await call('POST', '/v1/threshold/keys', 'admin', { keyId: 'k-policy' });
    expectProblem(keygen, 409, /needs n = 3 modules; only 0 are active/);
    expect(await custody.latestCommitments('k-policy')).toBeUndefined();
    expectProblem(
      await call('POST', '/v1/threshold/keys/k-policy/sign', 'admin', { message: b64(8) }),
      404,
      /no shares/,
    );
  });
});
