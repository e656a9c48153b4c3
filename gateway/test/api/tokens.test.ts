import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiTokenStore,
  createApp,
  startApiServer,
  tokenApi,
  tokenStoreResolver,
  type ApiServer,
} from '../../src/api';
import { governanceApi } from '../../src/governance';
import type { ApiCaller } from '../../src/http';
import { FakeLedger, member } from './fakes';

describe('API token store', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-tokens-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps only digests on disk (mode 0600), and survives a reload', () => {
    const path = join(dir, 'tokens.json');
    const store = new ApiTokenStore({ path });
    const { token, record } = store.issue({ identity: 'admin', ttlMs: 60_000, createdBy: 'admin' });
    const file = readFileSync(path, 'utf8');
    expect(file).not.toContain(token);
    expect(file).toContain(record.sha256);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const reloaded = new ApiTokenStore({ path });
    expect(reloaded.authenticate(token)).toEqual(record);
    expect(reloaded.authenticate(`${token}x`)).toBeUndefined();
  });

  it('refuses expired and revoked tokens with the same answer as unknown ones', () => {
    let now = 1_000_000;
    const store = new ApiTokenStore({ now: () => now });
    const expiring = store.issue({ identity: 'a', ttlMs: 1_000, createdBy: 'a' });
    const revoked = store.issue({ identity: 'a', ttlMs: 60_000, createdBy: 'a' });
    store.revoke(revoked.record.id);
    expect(store.authenticate(expiring.token)).toBeDefined();
    now += 1_000;
    expect(store.authenticate(expiring.token)).toBeUndefined();
    expect(store.statusOf(expiring.record)).toBe('expired');
    expect(store.authenticate(revoked.token)).toBeUndefined();
    expect(store.statusOf(store.get(revoked.record.id)!)).toBe('revoked');
  });

  it('refuses a store file that is not one', () => {
    const path = join(dir, 'tokens.json');
    writeFileSync(path, '{"admin":"plaintext-token"}');
    expect(() => new ApiTokenStore({ path })).toThrow(/unreadable or invalid/);
  });
});

describe('REST API: token management', () => {
  const ledger = new FakeLedger();
  const people = {
    admin: member('admin', ['admin']),
    val1: member('val1', ['validator']),
    fe1: member('fe1', ['frontend'], 'Org2MSP'),
  };
  ledger.add(...Object.values(people));
  const callers = new Map<string, ApiCaller>(
    Object.entries(people).map(([name, m]) => [name, ledger.caller(m)]),
  );
  let store: ApiTokenStore;
  let server: ApiServer;
  const bootstrap: Record<string, string> = {};

  beforeAll(async () => {
    store = new ApiTokenStore();
    for (const name of callers.keys()) {
      bootstrap[name] = store.issue({ identity: name, ttlMs: 3_600_000, createdBy: 'bootstrap' }).token;
    }
    server = await startApiServer({
      app: createApp({
        identities: tokenStoreResolver(store, callers),
        modules: [governanceApi(), tokenApi({ store, identities: callers })],
        roleCacheMs: 0,
      }),
    });
  });

  afterAll(async () => {
    await server.close();
  });

  async function call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; json: any }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  it('creates a token for the caller: shown once, it authenticates as the caller', async () => {
    const created = await call('POST', '/v1/tokens', bootstrap['val1']!, {
      label: 'ci',
      expiresInSeconds: 600,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      identity: 'val1',
      label: 'ci',
      status: 'active',
      token: expect.stringMatching(/^kl_/),
    });
    expect(created.json.sha256).toBeUndefined();
    const whoami = await call('GET', '/v1/whoami', created.json.token);
    expect(whoami.json.name).toBe('val1');
    const listed = await call('GET', '/v1/tokens', bootstrap['val1']!);
    expect(listed.json.items.map((t: { identity: string }) => t.identity)).toEqual(['val1', 'val1']);
    expect(JSON.stringify(listed.json)).not.toContain(created.json.token);
  });

  it('only an admin creates tokens for another identity, and only for identities of this gateway', async () => {
    expect((await call('POST', '/v1/tokens', bootstrap['val1']!, { identity: 'fe1' })).status).toBe(403);
    const forFe1 = await call('POST', '/v1/tokens', bootstrap['admin']!, { identity: 'fe1' });
    expect(forFe1.status).toBe(201);
    expect((await call('GET', '/v1/whoami', forFe1.json.token)).json.name).toBe('fe1');
    const unknown = await call('POST', '/v1/tokens', bootstrap['admin']!, { identity: 'nobody' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.errors).toEqual([{ path: 'body.identity', message: expect.any(String) }]);
  });

  it('revokes: the token stops working at once; others cannot see or revoke it', async () => {
    const created = await call('POST', '/v1/tokens', bootstrap['fe1']!, {});
    const id = created.json.id as string;
    expect((await call('GET', `/v1/tokens/${id}`, bootstrap['val1']!)).status).toBe(404);
    expect((await call('DELETE', `/v1/tokens/${id}`, bootstrap['val1']!)).status).toBe(404);
    const revoked = await call('DELETE', `/v1/tokens/${id}`, bootstrap['fe1']!);
    expect(revoked).toMatchObject({ status: 200, json: { id, status: 'revoked' } });
    expect((await call('GET', '/v1/whoami', created.json.token)).status).toBe(401);
    expect((await call('GET', `/v1/tokens/${id}`, bootstrap['admin']!)).json.status).toBe('revoked');
  });

  it('admins list every token; others only their own', async () => {
    const all = await call('GET', '/v1/tokens', bootstrap['admin']!);
    expect(new Set(all.json.items.map((t: { identity: string }) => t.identity))).toEqual(
      new Set(['admin', 'val1', 'fe1']),
    );
    expect((await call('GET', '/v1/tokens?identity=fe1', bootstrap['val1']!)).status).toBe(403);
  });

  it('refuses lifetimes out of range', async () => {
    for (const expiresInSeconds of [0, 59, 366 * 86_400, 1.5]) {
      expect((await call('POST', '/v1/tokens', bootstrap['val1']!, { expiresInSeconds })).status).toBe(400);
    }
  });
});
