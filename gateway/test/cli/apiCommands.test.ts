/**
 * The API commands against a stand-in for the REST API: what each sends, what it prints, and which exit code
 * each kind of answer gives. The real API is exercised by test/e2e/cli.test.ts.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cli, fakeApi, problem, type FakeAnswer, type RecordedRequest } from './support';

const TOKEN = 'kl_secretTokenValue0123456789';

describe('keyledger API commands (stand-in API)', () => {
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

  async function run(
    argv: readonly string[],
    reply: FakeAnswer,
    stdin?: Buffer,
  ): Promise<Awaited<ReturnType<typeof cli>>> {
    answer = () => reply;
    const result = await cli(argv, { env, ...(stdin ? { stdin } : {}) });
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stdout).not.toContain(TOKEN);
    return result;
  }

  it('queue policy set sends the durations in ms and only the fields given, and --wait asks to wait', async () => {
    const policy = {
      queueId: 'orders',
      rotationIntervalMs: 3_600_000,
      maxMessages: 100,
      algorithm: 'AES-256-GCM',
      proposalTtlMs: 3_600_000,
      retentionVersions: 3,
      createdAt: 0,
      updatedAt: 0,
      updatedBy: 'x',
    };
    const result = await run(
      [
        'queue',
        'policy',
        'set',
        'orders',
        '--interval',
        '1h',
        '--max-messages',
        '100',
        '--retention-versions',
        '3',
        '--min-interval',
        '0',
        '--wait',
      ],
      { status: 201, body: { policy, created: true }, headers: { 'KeyLedger-Wait': 'committed' } },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'queue orders created: rotate every 1h or after 100 messages; its key is committed and loaded by every front-end node\n',
    );
    expect(api.requests).toEqual([
      {
        method: 'PUT',
        url: '/v1/queues/orders/policy?wait=committed',
        authorization: `Bearer ${TOKEN}`,
        body: {
          rotationIntervalMs: 3_600_000,
          maxMessages: 100,
          algorithm: 'AES-256-GCM',
          retentionVersions: 3,
          minRotationIntervalMs: 0,
        },
      },
    ]);
  });

  it('a field error names the option that set the field; invalid input exits 6', async () => {
    const result = await run(
      ['queue', 'policy', 'set', 'orders', '--interval', '1h', '--max-messages', '0'],
      problem(400, 'invalid-request', 'invalid request body', {
        errors: [{ path: 'body.maxMessages', message: 'Too small: expected number to be >0' }],
      }),
    );
    expect(result).toMatchObject({ code: 6, stdout: '' });
    expect(result.stderr).toBe(
      'keyledger queue policy set: invalid request body\n  --max-messages (body.maxMessages): Too small: expected number to be >0\n',
    );
  });

  it('a usage mistake is caught before any request', async () => {
    const result = await run(['queue', 'policy', 'set', 'orders', '--interval', '60'], { status: 500 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--interval must be a duration such as 90s/);
    expect(
      (await run(['queue', 'policy', 'set', 'orders', '--interval', '1h'], { status: 500 })).stderr,
    ).toMatch(/--max-messages is required/);
    expect((await run(['rotate', 'q', '--wait-timeout', '5s'], { status: 500 })).stderr).toMatch(
      /--wait-timeout needs --wait/,
    );
    expect(api.requests).toEqual([]);
  });

  it('encrypt sends stdin bytes as base64 and prints only the envelope', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    const result = await run(
      ['encrypt', 'a/b'],
      { status: 200, body: { queueId: 'a/b', version: 1, frontend: 'frontend1', envelope: 'S0wB' } },
      bytes,
    );
    expect(result).toMatchObject({ code: 0, stdout: 'S0wB\n', stderr: '' });
    expect(api.requests[0]).toMatchObject({
      url: '/v1/queues/a%2Fb/encrypt',
      body: { plaintext: bytes.toString('base64') },
    });
  });

  it('encrypt without --text, --file or piped stdin says so (2)', async () => {
    answer = () => ({ status: 500 });
    const result = await cli(['encrypt', 'q'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nothing to read: give --text or --file, or pipe the input on stdin/);
  });

  it('decrypt writes the plaintext bytes and warns on stderr when the key version is compromised', async () => {
    const bytes = Buffer.from([255, 0, 128, 10]);
    const result = await run(
      ['decrypt', 'orders'],
      {
        status: 200,
        body: {
          queueId: 'orders',
          frontend: 'f',
          version: 2,
          keyCompromised: true,
          plaintext: bytes.toString('base64'),
        },
        headers: { 'KeyLedger-Key-Status': 'compromised' },
      },
      Buffer.from('S0wB\nAAAA \n'),
    );
    expect(result.code).toBe(0);
    expect(result.stdoutBytes.equals(bytes)).toBe(true);
    expect(result.stderr).toMatch(/warning: queue orders key version 2 is marked compromised/);
    expect(api.requests[0]?.body).toEqual({ envelope: 'S0wBAAAA' });
  });

  it('an envelope that does not decrypt exits 6', async () => {
    const result = await run(
      ['decrypt', 'orders', 'AAAA'],
      problem(422, 'undecryptable-envelope', 'envelope too short'),
    );
    expect(result).toMatchObject({ code: 6, stderr: 'keyledger decrypt: envelope too short\n' });
  });

  it('rotate --wait that times out prints where the proposal stands and exits 8', async () => {
    const proposal = {
      proposalId: 'p1',
      queueId: 'orders',
      version: 2,
      status: 'open',
      approvals: [{}],
      quorumAtProposal: 2,
    };
    const result = await run(['rotate', 'orders', '--wait', '--wait-timeout', '5s'], {
      status: 202,
      body: proposal,
      headers: { 'KeyLedger-Wait': 'timeout' },
    });
    expect(result.code).toBe(8);
    expect(result.stdout).toBe(
      'queue orders key version 2 proposed, waiting for approvals: 1 of 2 approvals (proposal p1)\n',
    );
    expect(result.stderr).toMatch(/the wait timed out/);
    expect(api.requests[0]?.url).toBe('/v1/queues/orders/rotate?wait=committed&waitTimeoutMs=5000');
    const rejected = await run(['proposals', 'approve', 'p1', '--wait'], {
      status: 200,
      body: { ...proposal, status: 'rejected' },
      headers: { 'KeyLedger-Wait': 'rejected' },
    });
    expect(rejected.code).toBe(8);
    expect(rejected.stderr).toMatch(/the proposal was rejected without committing/);
  });

  it.each([
    [problem(404, 'not-found', 'queue nope has no key policy'), 3],
    [problem(401, 'unauthorized', 'the bearer token is not valid'), 4],
    [problem(403, 'forbidden', 'only a validator can rotate a key'), 4],
    [problem(409, 'conflict', 'queue q already has open rotation proposal p'), 5],
    [problem(503, 'unavailable', 'the ledger is unreachable', { requestId: 'r-1' }), 7],
    [{ status: 502, body: 'not json' }, 7],
  ])('an answer %j exits %d, printing the detail', async (reply, code) => {
    const result = await run(['queue', 'key', 'q'], reply);
    expect(result.code).toBe(code);
    const detail = (reply.body as { detail?: string }).detail ?? 'HTTP 502 Bad Gateway';
    expect(result.stderr.split('\n')[0]).toBe(`keyledger queue key: ${detail}`);
  });

  it('a 5xx names its request id; a 401 says where the token came from', async () => {
    const failed = await run(
      ['whoami'],
      problem(500, 'internal-error', 'an unexpected error occurred', { requestId: 'r-9' }),
    );
    expect(failed.stderr).toContain('(request id r-9');
    const denied = await run(['whoami'], problem(401, 'unauthorized', 'the bearer token is not valid'));
    expect(denied.stderr).toContain('(the token came from KEYLEDGER_TOKEN)');
  });

  it('--json prints the API JSON as it came', async () => {
    const body = { items: [{ id: 'abc', identity: 'admin', label: '', status: 'active' }] };
    const result = await run(['token', 'list', '--json'], { status: 200, body });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('token create prints the token alone on stdout, once, and what it is on stderr', async () => {
    answer = () => ({
      status: 201,
      body: {
        id: 'abc',
        identity: 'frontend1',
        label: 'ci',
        status: 'active',
        expiresAt: 0,
        token: 'kl_new',
      },
    });
    const result = await cli(
      ['token', 'create', '--identity', 'frontend1', '--label', 'ci', '--expires', '7d'],
      { env },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'kl_new\n' });
    expect(result.stderr).toMatch(/^token abc for frontend1, expires .*: shown only this once\n$/);
    expect(api.requests[0]?.body).toEqual({ identity: 'frontend1', label: 'ci', expiresInSeconds: 604_800 });
    expect((await cli(['token', 'create', '--expires', '1500ms'], { env })).code).toBe(2);
  });

  it('an API that does not answer exits 7', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const result = await cli(['whoami'], {
      env: { KEYLEDGER_URL: `http://127.0.0.1:${port}`, KEYLEDGER_TOKEN: TOKEN },
    });
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/cannot reach the KeyLedger API at .* \(ECONNREFUSED\): is it running\?/);
  });

  it('no credentials at all exits 4 and says how to get some', async () => {
    const result = await cli(['whoami'], { env: { KEYLEDGER_PROFILE: '/nonexistent/profile.json' } });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /no URL or token given and no KeyLedger profile at \/nonexistent\/profile\.json/,
    );
  });
});
