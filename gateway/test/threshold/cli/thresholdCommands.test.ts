/**
 * `keyledger threshold …` against a stand-in for the REST API: what each command sends, what it prints, and its
 * exit codes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, fakeApi, problem, type CliRun, type FakeAnswer, type RecordedRequest } from '../../cli/support';

const TOKEN = 'kl_thresholdToken0123456789';

const ceremony = {
  keyId: 'pay-1',
  epoch: 1,
  mode: 'dkg',
  groupPublicKey: 'ab'.repeat(32),
  t: 2,
  n: 3,
  participants: [
    { moduleId: 'hsm-a', shareIndex: 1 },
    { moduleId: 'hsm-b', shareIndex: 2 },
    { moduleId: 'hsm-c', shareIndex: 3 },
  ],
  ceremonyId: 'c-1',
  durationMs: 420,
};
const policy = {
  keyId: 'pay-1',
  t: 2,
  n: 3,
  minTrust: 500,
  version: 1,
  createdAt: 0,
  updatedAt: 0,
  updatedBy: 'x',
};
const signed = {
  signature: 'c2ln',
  groupPublicKey: 'ab'.repeat(32),
  sessionId: 'sg-1',
  coordinator: 'hsm-b',
  epoch: 1,
  signers: ['hsm-a', 'hsm-b'],
  cheaters: [],
  late: [],
};

describe('keyledger threshold (stand-in API)', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  let answer: (request: RecordedRequest) => FakeAnswer;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await fakeApi((request) => answer(request));
    env = { KEYLEDGER_URL: api.url, KEYLEDGER_TOKEN: TOKEN };
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });

  const run = (
    argv: readonly string[],
    reply: (request: RecordedRequest) => FakeAnswer,
    cwd?: string,
  ): Promise<CliRun> => {
    answer = reply;
    return cli(['threshold', ...argv], { env, ...(cwd ? { cwd } : {}) });
  };

  it('keygen with --t/--n/--min-trust sets the policy first, then generates', async () => {
    const result = await run(
      ['keygen', 'pay-1', '--t', '2', '--n', '3', '--min-trust', '500', '--attestation-max-age', '1h'],
      (request) =>
        request.method === 'PUT' ? { status: 200, body: policy } : { status: 201, body: ceremony },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(api.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      [
        'PUT',
        '/v1/threshold/keys/pay-1/policy',
        { t: 2, n: 3, minTrust: 500, attestationMaxAgeSeconds: 3600 },
      ],
      ['POST', '/v1/threshold/keys', { keyId: 'pay-1' }],
    ]);
    expect(result.stdout).toContain('key pay-1 generated (epoch 1)');
    expect(result.stdout).toMatch(/group public key\s+abab/);
    expect(result.stdout).toMatch(/hsm-c\s+3/);
  });

  it('keygen without policy options only generates; a partial policy or a bad mode is a usage error', async () => {
    const plain = await run(
      ['keygen', 'pay-1', '--mode', 'dealer', '--modules', 'hsm-a,hsm-b', '--dealer', 'hsm-a'],
      () => ({
        status: 201,
        body: { ...ceremony, mode: 'dealer' },
      }),
    );
    expect(plain.code).toBe(0);
    expect(api.requests.map((r) => r.body)).toEqual([
      { keyId: 'pay-1', mode: 'dealer', modules: ['hsm-a', 'hsm-b'], dealer: 'hsm-a' },
    ]);
    api.requests.length = 0;
    const partial = await run(['keygen', 'pay-1', '--t', '2'], () => ({ status: 500 }));
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/--t, --n and --min-trust together \(missing --n, --min-trust\)/);
    const inverted = await run(['keygen', 'pay-1', '--t', '4', '--n', '3', '--min-trust', '0'], () => ({
      status: 500,
    }));
    expect(inverted.stderr).toMatch(/--t 4 must not exceed --n 3/);
    const mode = await run(['keygen', 'pay-1', '--mode', 'shamir'], () => ({ status: 500 }));
    expect(mode).toMatchObject({ code: 2 });
    expect(api.requests).toEqual([]);
  });

  it('sign --message sends base64 and prints the signature; --file reads the bytes; details go to stderr', async () => {
    const result = await run(['sign', 'pay-1', '--message', 'hello'], () => ({ status: 200, body: signed }));
    expect(result).toMatchObject({ code: 0, stdout: 'c2ln\n' });
    expect(result.stderr).toMatch(/session sg-1 \(epoch 1, coordinator hsm-b, signers hsm-a, hsm-b\)/);
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/threshold/keys/pay-1/sign',
      body: { message: Buffer.from('hello').toString('base64') },
    });
    const dir = mkdtempSync(join(tmpdir(), 'keyledger-threshold-cli-'));
    writeFileSync(join(dir, 'msg.bin'), Buffer.from([0, 1, 2, 255]));
    api.requests.length = 0;
    const fromFile = await run(
      ['sign', 'pay-1', '--file', 'msg.bin'],
      () => ({ status: 200, body: signed }),
      dir,
    );
    expect(fromFile.code).toBe(0);
    expect(api.requests[0]?.body).toEqual({ message: Buffer.from([0, 1, 2, 255]).toString('base64') });
  });

  it('sign --jws-payload sends the payload and typ and prints the JWS', async () => {
    const result = await run(['sign', 'pay-1', '--jws-payload', '{"sub":"alice"}', '--typ', 'JWT'], () => ({
      status: 200,
      body: { ...signed, jws: 'h.p.s' },
    }));
    expect(result).toMatchObject({ code: 0, stdout: 'h.p.s\n' });
    expect(api.requests[0]?.body).toEqual({ jws: { payload: { sub: 'alice' }, header: { typ: 'JWT' } } });
  });

  it('sign needs exactly one input, and a JSON object for --jws-payload', async () => {
    for (const [argv, message] of [
      [['sign', 'pay-1'], /give what to sign/],
      [['sign', 'pay-1', '--message', 'a', '--jws-payload', '{}'], /not --message and --jws-payload/],
      [['sign', 'pay-1', '--jws-payload', '[1]'], /must be a JSON object/],
      [['sign', 'pay-1', '--jws-payload', '{'], /is not JSON/],
      [['sign', 'pay-1', '--message', 'a', '--typ', 'JWT'], /--typ is for --jws-payload/],
    ] as const) {
      const result = await run(argv, () => ({ status: 500 }));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(api.requests).toEqual([]);
  });

  it('maps API problems to exit codes and names the option of a field error', async () => {
    const denied = await run(['refresh', 'pay-1'], () =>
      problem(403, 'forbidden', 'refreshing needs the role admin'),
    );
    expect(denied).toMatchObject({ code: 4, stdout: '' });
    const missing = await run(['key', 'nope'], () =>
      problem(404, 'not-found', 'threshold key nope is unknown'),
    );
    expect(missing.code).toBe(3);
    const invalid = await run(['sign', 'pay-1', '--jws-payload', '{"a":1}'], () =>
      problem(400, 'invalid-request', 'invalid request body', {
        errors: [{ path: 'body.jws.payload', message: 'must be at most 8192 bytes of JSON' }],
      }),
    );
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toContain('--jws-payload (body.jws.payload): must be at most 8192 bytes of JSON');
    const down = await run(['sign', 'pay-1', '--message', 'x'], () =>
      problem(503, 'unavailable', 'only 1 of 2 modules answered'),
    );
    expect(down.code).toBe(7);
  });

  it('key, modules, module and session read and print', async () => {
    const key = await run(['key', 'pay-1'], () => ({
      status: 200,
      body: {
        keyId: 'pay-1',
        policy,
        epoch: 2,
        groupPublicKey: 'ab'.repeat(32),
        jwk: { kty: 'OKP', crv: 'Ed25519', x: 'q6s', kid: 'pay-1', alg: 'EdDSA' },
        t: 2,
        n: 3,
        shareIndices: [1, 2, 3],
        acknowledgements: {
          expected: ['hsm-a', 'hsm-b', 'hsm-c'],
          acknowledged: ['hsm-a', 'hsm-b', 'hsm-c'],
          complete: true,
        },
      },
    }));
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/acknowledged\s+3 of 3 \(complete\)/);
    const counters = {
      attestations: 1,
      participationOk: 4,
      participationFailed: 0,
      anomalies: 0,
      cheaterReports: 0,
      tamperReports: 0,
    };
    const module = { moduleId: 'hsm-a', shareIndex: 1, status: 'active', score: 700, counters };
    const list = await run(['modules', '--min-score', '600'], () => ({
      status: 200,
      body: { modules: [module] },
    }));
    expect(list.code).toBe(0);
    expect(api.requests.at(-1)?.url).toBe('/v1/threshold/modules?minScore=600');
    expect(list.stdout).toMatch(/hsm-a\s+1\s+active\s+700/);
    const one = await run(['module', 'hsm-a'], () => ({
      status: 200,
      body: { module, events: [{ kind: 'participation', at: 0, sessionId: 'sg-1' }] },
    }));
    expect(one.stdout).toMatch(/trust score\s+700/);
    expect(one.stdout).toMatch(/participation\s+sg-1/);
    const session = await run(['session', 'sg-1', '--json'], () => ({
      status: 200,
      body: { sessionId: 'sg-1', eligible: [], expired: false },
    }));
    expect(JSON.parse(session.stdout)).toMatchObject({ sessionId: 'sg-1' });
    expect(api.requests.at(-1)?.url).toBe('/v1/threshold/sessions/sg-1');
  });
});
