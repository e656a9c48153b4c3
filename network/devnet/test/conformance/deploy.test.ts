import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '@hyperledger/fabric-gateway';
import { startDevnet, type Devnet } from '../../src';
import { FIXTURE_CHAINCODE, utf8 } from './support';

jest.setTimeout(180_000);

/** A chaincode folder of its own (its files decide the package id) running the fixture contract. */
async function chaincodeFolder(parent: string): Promise<string> {
  const folder = path.join(parent, 'wrapped-cc');
  await fs.mkdir(folder);
  await fs.writeFile(
    path.join(folder, 'package.json'),
    JSON.stringify({ name: 'wrapped-cc', version: '1.0.0', main: 'index.js' }),
  );
  await fs.writeFile(
    path.join(folder, 'index.js'),
    `module.exports = require(${JSON.stringify(path.join(FIXTURE_CHAINCODE, 'index.js'))});\n`,
  );
  return folder;
}

describe('conformance: deploy keeps an unchanged definition', () => {
  let dataDir: string;
  let folder: string;
  let devnet: Devnet;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-deploy-'));
    folder = await chaincodeFolder(dataDir);
    devnet = await startDevnet({ dataDir: path.join(dataDir, 'data'), port: 0, orgs: 2 });
  });

  afterAll(async () => {
    await devnet?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const running = (): { pid?: number; ready: boolean; sequence: number } => {
    const found = devnet.status().chaincodes.find((c) => c.name === 'wrapped');
    if (!found) throw new Error('not deployed');
    return found;
  };

  const roundTrip = async (key: string): Promise<string> => {
    const connection = devnet.connection(1);
    const gateway = connect(connection);
    try {
      const contract = gateway.getNetwork(devnet.channelId).getContract('wrapped');
      await contract.submitTransaction('put', key, 'v');
      return utf8(await contract.evaluateTransaction('get', key));
    } finally {
      gateway.close();
      connection.client.close();
    }
  };

  it('keeps the sequence and the running process for the same package', async () => {
    const first = await devnet.deploy('wrapped', folder);
    expect(first).toMatchObject({ sequence: 1, changed: true });
    expect(first.packageId).toMatch(/^wrapped:[0-9a-f]{64}$/);
    const { pid } = running();
    const again = await devnet.deploy('wrapped', folder);
    expect(again).toMatchObject({ sequence: 1, changed: false, packageId: first.packageId });
    expect(running()).toMatchObject({ pid, ready: true, sequence: 1 });
    expect(await roundTrip('same-package')).toBe('v');
  });

  it('starts the process if it is not running, still without a new sequence', async () => {
    const { pid } = running();
    process.kill(pid as number, 'SIGKILL');
    while (running().ready) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await devnet.deploy('wrapped', folder)).toMatchObject({ sequence: 1, changed: false });
    expect(running().ready).toBe(true);
    expect(running().pid).not.toBe(pid);
  });

  it('bumps the sequence and restarts when the package or the policy changes', async () => {
    const { pid } = running();
    await fs.appendFile(path.join(folder, 'index.js'), '// changed\n');
    const changed = await devnet.deploy('wrapped', folder);
    expect(changed).toMatchObject({ sequence: 2, changed: true });
    expect(running().pid).not.toBe(pid);
    expect(await devnet.deploy('wrapped', folder, { policy: 'ANY' })).toMatchObject({
      sequence: 3,
      changed: true,
    });
    expect(await devnet.deploy('wrapped', folder, { policy: 'ANY' })).toMatchObject({
      sequence: 3,
      changed: false,
    });
    expect(await roundTrip('changed-package')).toBe('v');
  });

  it('keeps the sequence across a restart of the devnet (npm start deploys on every start)', async () => {
    await devnet.stop();
    devnet = await startDevnet({ dataDir: path.join(dataDir, 'data'), port: 0, orgs: 2 });
    expect(running()).toMatchObject({ ready: true, sequence: 3 });
    expect(await devnet.deploy('wrapped', folder, { policy: 'ANY' })).toMatchObject({
      sequence: 3,
      changed: false,
    });
  });
});
