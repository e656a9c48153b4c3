import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { startDevnet, type Devnet } from '../../src';

jest.setTimeout(120_000);

describe('Fabric-style batching (--fabric-batching): blocks cut by size or timeout', () => {
  let dataDir: string;
  let devnet: Devnet;
  let gateway: Gateway;
  let close: () => void;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-batching-'));
    devnet = await startDevnet({
      dataDir,
      port: 0,
      orgs: 2,
      batchSize: 3,
      batchTimeoutMs: 1000,
      cutWhenIdle: false,
    });
    await devnet.deploy('cc', path.resolve(__dirname, '..', 'fixtures', 'chaincode'), { policy: 'ANY' });
    const connection = devnet.connection(1);
    gateway = connect(connection);
    close = () => {
      gateway.close();
      connection.client.close();
    };
  });

  afterAll(async () => {
    close?.();
    await devnet?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('puts a full batch in one block and cuts a partial one when the timeout expires', async () => {
    const contract = gateway.getNetwork(devnet.channelId).getContract('cc');
    // Endorsed first, then handed to the orderer back to back: the third fills the batch.
    const endorsed = await Promise.all(
      [0, 1, 2].map((i) => contract.newProposal('put', { arguments: [`k${i}`, 'v'] }).endorse()),
    );
    const full = [];
    for (const transaction of endorsed) full.push(await transaction.submit());
    const fullStatus = await Promise.all(full.map((tx) => tx.getStatus()));
    expect(new Set(fullStatus.map((s) => s.blockNumber)).size).toBe(1);
    expect(fullStatus.every((s) => s.successful)).toBe(true);

    const single = await contract.submitAsync('put', { arguments: ['alone', 'v'] });
    const status = await single.getStatus();
    expect(status.successful).toBe(true);
    expect(status.blockNumber).toBe((fullStatus[0]?.blockNumber ?? 0n) + 1n);
  });
});
