import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_PATH, RuntimeHarness } from './support/runtime';
import { createTestPki } from './support/pki';

/** The same fixture dialling in over mutual TLS, started with the Node inspector. */
describe('real fabric-shim chaincode dialling in over mutual TLS, with the inspector', () => {
  let h: RuntimeHarness;

  beforeAll(async () => {
    const pki = await createTestPki();
    h = await RuntimeHarness.start({ pki, tls: true });
    await h.support.launch({
      name: 'secure',
      path: FIXTURE_PATH,
      peerAddress: h.address,
      logDir: h.dataDir,
      inspect: 0,
      tls: { rootCertPem: pki.caPem, clientCertPem: pki.client.certPem, clientKeyPem: pki.client.keyPem },
    });
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  it('registers over TLS and answers state calls', async () => {
    expect(h.support.isReady('secure')).toBe(true);
    await h.submit('secure', 'put', ['k', 'over tls']);
    expect((await h.invoke('secure', 'get', ['k'])).text).toBe('over tls');
  });

  it('passes the TLS material as the shim expects it (root CA PEM, client key and cert base64) in the data folder', async () => {
    const tlsDir = path.join(h.dataDir, '.secure.tls');
    expect(await fs.readFile(path.join(tlsDir, 'peer-root-ca.pem'), 'utf8')).toBe(h.pki.caPem);
    expect(
      Buffer.from(await fs.readFile(path.join(tlsDir, 'client-key.b64'), 'utf8'), 'base64').toString(),
    ).toBe(h.pki.client.keyPem);
    expect((await fs.stat(path.join(tlsDir, 'client-key.b64'))).mode & 0o077).toBe(0);
  });

  it('starts the chaincode with the Node inspector on 127.0.0.1', async () => {
    const log = await fs.readFile(path.join(h.dataDir, 'secure.log'), 'utf8');
    expect(log).toMatch(/--inspect=127\.0\.0\.1:0/);
    expect(log).toMatch(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//);
  });
});
