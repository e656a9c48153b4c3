import { callAdmin, startAdminServer, type DeployRequest } from '../../src/gateway/admin';
import { makeMaterial, type Material } from './fixtures';

describe('admin endpoint (deploy/status), signed by an organisation admin', () => {
  let m: Material;
  let port: number;
  let close: () => Promise<void>;
  const deployed: DeployRequest[] = [];

  beforeAll(async () => {
    m = await makeMaterial(1);
    const started = await startAdminServer(
      m.msp,
      {
        status: () => ({ ok: true }),
        deploy: async (request) => {
          deployed.push(request);
          return { name: request.name, sequence: 1 };
        },
      },
      0,
    );
    port = started.port;
    close = () => new Promise((resolve) => started.server.close(() => resolve()));
  });

  afterAll(async () => {
    await close();
    await m.cleanup();
  });

  const adminOf = (
    m: Material,
    role: 'admin' | 'user',
  ): { mspId: string; certPath: string; keyPath: string } => {
    const org = m.material.orgs[0];
    if (!org) throw new Error('no org');
    const files = role === 'admin' ? org.admin : org.user;
    return { mspId: files.mspId, certPath: files.certPath, keyPath: files.keyPath };
  };

  it('serves an admin', async () => {
    await expect(callAdmin(port, '/status', {}, adminOf(m, 'admin'))).resolves.toEqual({ ok: true });
    await expect(
      callAdmin(port, '/deploy', { name: 'cc', source: '/x', policy: 'ANY' }, adminOf(m, 'admin')),
    ).resolves.toEqual({
      name: 'cc',
      sequence: 1,
    });
    expect(deployed[0]).toMatchObject({ name: 'cc', source: '/x', policy: 'ANY' });
  });

  it('refuses a client identity and identities of other CAs', async () => {
    await expect(callAdmin(port, '/status', {}, adminOf(m, 'user'))).rejects.toThrow(/is not an admin/);
    const other = await makeMaterial(1);
    try {
      await expect(callAdmin(port, '/status', {}, adminOf(other, 'admin'))).rejects.toThrow(
        /identity is not valid/,
      );
    } finally {
      await other.cleanup();
    }
  });

  it('refuses unsigned and stale requests', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/status`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    await expect(callAdmin(port, '/deploy', { name: 'cc' }, adminOf(m, 'admin'))).rejects.toThrow(
      /needs name and source/,
    );
  });
});
