import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ChaincodeExecutionError, ChaincodeLaunchError } from '../../src/chaincode';
import { FIXTURE_PATH, RuntimeHarness } from './support/runtime';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the fixture's chaincode-as-a-service script (fabric-chaincode-node server). */
function startServer(logFile: string, env: Record<string, string>): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [path.join(FIXTURE_PATH, 'ccaas.js')], {
      cwd: FIXTURE_PATH,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('chaincode as a service (the devnet dials protos.Chaincode/Connect)', () => {
  let h: RuntimeHarness;
  let address: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    h = await RuntimeHarness.start({ startupTimeoutMs: 20_000 });
    address = `127.0.0.1:${await freePort()}`;
    server = startServer(path.join(h.dataDir, 'ccaas-server.log'), {
      CHAINCODE_SERVER_ADDRESS: address,
      CHAINCODE_ID: 'ccaas:0123abcd',
    });
  });

  afterAll(async () => {
    await h.close();
    await kill(server);
  });

  it('connects (waiting for the server to listen), receives REGISTER and runs transactions', async () => {
    const { ccid } = await h.support.connect({ name: 'ccaas', address });
    expect(ccid).toBe('ccaas:0123abcd');
    expect(h.support.info('ccaas')).toMatchObject({ kind: 'ccaas', ready: true, ccid });
    await h.submit('ccaas', 'put', ['k', 'as a service']);
    expect((await h.invoke('ccaas', 'get', ['k'])).text).toBe('as a service');
    const range = JSON.parse((await h.invoke('ccaas', 'range', ['', ''])).text);
    expect(range).toEqual([{ key: 'k', value: 'as a service' }]);
  }, 30_000);

  it('fails executions with "chaincode stream terminated" when the server dies, and reconnects once it is back', async () => {
    const inFlight = h.invoke('ccaas', 'sleep', ['10000']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await kill(server);
    await expect(inFlight).rejects.toThrow(new ChaincodeExecutionError('chaincode stream terminated'));
    expect(h.support.isReady('ccaas')).toBe(false);

    server = startServer(path.join(h.dataDir, 'ccaas-server.log'), {
      CHAINCODE_SERVER_ADDRESS: address,
      CHAINCODE_ID: 'ccaas:0123abcd',
    });
    expect((await h.invoke('ccaas', 'get', ['k'])).text).toBe('as a service');
    expect(h.support.isReady('ccaas')).toBe(true);
  }, 30_000);

  it('rejects a connection to an address where nothing listens', async () => {
    const quick = await RuntimeHarness.start({ startupTimeoutMs: 500 });
    try {
      const connect = quick.support.connect({ name: 'ghost', address: `127.0.0.1:${await freePort()}` });
      await expect(connect).rejects.toThrow(ChaincodeLaunchError);
      await expect(connect).rejects.toThrow(/could not connect to chaincode server at 127\.0\.0\.1:\d+/);
      expect(quick.support.info('ghost')).toBeUndefined();
    } finally {
      await quick.close();
    }
  });

  it('connects over mutual TLS', async () => {
    const tlsAddress = `127.0.0.1:${await freePort()}`;
    const dir = path.join(h.dataDir, 'ccaas-tls');
    await fs.mkdir(dir);
    const files = {
      CHAINCODE_TLS_CERT_FILE: path.join(dir, 'server.pem'),
      CHAINCODE_TLS_KEY_FILE: path.join(dir, 'server.key'),
      CHAINCODE_TLS_CLIENT_CACERT_FILE: path.join(dir, 'ca.pem'),
    };
    await fs.writeFile(files.CHAINCODE_TLS_CERT_FILE, h.pki.server.certPem);
    await fs.writeFile(files.CHAINCODE_TLS_KEY_FILE, h.pki.server.keyPem);
    await fs.writeFile(files.CHAINCODE_TLS_CLIENT_CACERT_FILE, h.pki.caPem);
    const tlsServer = startServer(path.join(h.dataDir, 'ccaas-tls.log'), {
      CHAINCODE_SERVER_ADDRESS: tlsAddress,
      CHAINCODE_ID: 'secure-ccaas:42',
      ...files,
    });
    try {
      const { ccid } = await h.support.connect({
        name: 'secure-ccaas',
        address: tlsAddress,
        tls: {
          rootCertPem: h.pki.caPem,
          clientCertPem: h.pki.client.certPem,
          clientKeyPem: h.pki.client.keyPem,
        },
      });
      expect(ccid).toBe('secure-ccaas:42');
      expect(
        (await h.invoke('secure-ccaas', 'put', ['t', 'tls'])).simulator.written('secure-ccaas', 't'),
      ).toBe('tls');
    } finally {
      await h.support.stop('secure-ccaas');
      await kill(tlsServer);
    }
  }, 30_000);
});
