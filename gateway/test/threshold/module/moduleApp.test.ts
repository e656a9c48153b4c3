import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { pino } from 'pino';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../../../src/participant';
import { ModuleCallError, openModuleClient, type ModulePeerClient } from '../../../src/threshold';
import { FaultSwitch } from '../../../src/threshold/module/faults';
import { moduleApp, type ModuleHealth } from '../../../src/threshold/module/moduleApp';

const logger = pino({ level: 'silent' });

interface Running {
  readonly server: Server;
  readonly url: string;
  readonly tls: TlsIdentity;
  readonly faults: FaultSwitch;
}

describe('the module HTTP app over mutual TLS', () => {
  let dir: string;
  let member: TlsIdentity;
  let stranger: TlsIdentity;
  const servers: Server[] = [];
  const clients: ModulePeerClient[] = [];

  const start = async (allowFaults: boolean): Promise<Running> => {
    const tls = await loadOrCreateTlsIdentity(join(dir, `server-${servers.length}`), 'm1', ['127.0.0.1']);
    const faults = new FaultSwitch(allowFaults);
    const protocol = Router();
    protocol.post('/echo', (req, res) => {
      res.json({ got: req.body as unknown, misbehave: [...faults.misbehave] });
    });
    const server = createServer({
      key: tls.keyPem,
      cert: tls.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    server.on(
      'request',
      moduleApp({
        health: (): ModuleHealth => ({
          moduleId: 'm1',
          shareIndex: 1,
          status: 'ok',
          lastAttestedAt: 5,
          keys: [{ keyId: 'orders', epochs: [1, 2] }],
        }),
        allowsClient: (fingerprint) =>
          Promise.resolve(fingerprint.replace(/:/g, '').toLowerCase() === member.fingerprint),
        faults,
        protocol,
        logger,
      }),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, tls, faults };
  };

  const client = (running: Running, identity: TlsIdentity): ModulePeerClient => {
    const made = openModuleClient({
      module: { moduleId: 'm1', endpoint: running.url, tlsCertificatePem: running.tls.certPem },
      identity: { certPem: identity.certPem, keyPem: identity.keyPem },
    });
    clients.push(made);
    return made;
  };

  const failure = async (call: Promise<unknown>): Promise<ModuleCallError> => {
    const error: unknown = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ModuleCallError)) {
      throw new Error(`expected a ModuleCallError, got ${String(error)}`);
    }
    return error;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-module-app-'));
    member = await loadOrCreateTlsIdentity(join(dir, 'member'), 'orchestrator', ['localhost']);
    stranger = await loadOrCreateTlsIdentity(join(dir, 'stranger'), 'stranger', ['localhost']);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves health and the protocol routes to a member, and refuses a stranger with problem+json', async () => {
    const running = await start(false);
    const health = await client(running, member).call<ModuleHealth>('GET', '/health');
    expect(health.keys).toEqual([{ keyId: 'orders', epochs: [1, 2] }]);
    expect(await client(running, member).call('POST', '/v1/echo', { a: 1 })).toEqual({
      got: { a: 1 },
      misbehave: [],
    });
    const refused = await failure(client(running, stranger).call('GET', '/health'));
    expect(refused).toMatchObject({ kind: 'refused', status: 403, moduleProblem: 'forbidden' });
    const unknown = await failure(client(running, member).call('GET', '/v1/nothing-here'));
    expect(unknown).toMatchObject({ kind: 'refused', status: 404, moduleProblem: 'not-found' });
  });

  it('accepts fault injection only when allowed, and validates it', async () => {
    const closed = await start(false);
    const refused = await failure(client(closed, member).call('POST', '/v1/faults', { misbehave: ['late'] }));
    expect(refused.status).toBe(403);
    expect(closed.faults.misbehave.size).toBe(0);

    const open = await start(true);
    expect(
      await client(open, member).call('POST', '/v1/faults', { misbehave: ['late', 'bad-secret-share'] }),
    ).toEqual({ misbehave: ['late', 'bad-secret-share'] });
    expect([...open.faults.misbehave]).toEqual(['late', 'bad-secret-share']);
    const invalid = await failure(client(open, member).call('POST', '/v1/faults', { misbehave: ['lie'] }));
    expect(invalid).toMatchObject({ status: 400, moduleProblem: 'invalid-request' });
    expect(open.faults.misbehave.has('late')).toBe(true);
  });

  it('pins the registered server certificate and times out', async () => {
    const running = await start(false);
    const other = await start(false);
    const wrong = openModuleClient({
      module: { moduleId: 'm1', endpoint: running.url, tlsCertificatePem: other.tls.certPem },
      identity: member,
    });
    clients.push(wrong);
    expect(await failure(wrong.call('GET', '/health'))).toMatchObject({ kind: 'connection' });
    const timedOut = await failure(
      client(running, member).call('GET', '/health', undefined, { timeoutMs: 0 }),
    );
    expect(timedOut.kind).toBe('timeout');
  });

  it('refuses a record without endpoint or certificate', () => {
    expect(() => openModuleClient({ module: { moduleId: 'm9' }, identity: member })).toThrow(ModuleCallError);
  });
});
