import type { Contract } from '@hyperledger/fabric-gateway';
import { startTestNetwork, utf8, type TestNetwork } from './support';

jest.setTimeout(180_000);

describe('conformance: concurrent load through the real client', () => {
  let net: TestNetwork;
  let contracts: Contract[];

  beforeAll(async () => {
    net = await startTestNetwork();
    contracts = [1, 2, 3].map((org) =>
      net.gateway(org).getNetwork(net.devnet.channelId).getContract('conformance'),
    );
  });

  afterAll(async () => {
    await net?.close();
  });

  it('commits many concurrent transactions on distinct keys, all VALID, in chained blocks', async () => {
    const submitted = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (contracts[i % 3] as Contract).submitAsync('put', { arguments: [`load-${i}`, `v${i}`] }),
      ),
    );
    const statuses = await Promise.all(submitted.map((tx) => tx.getStatus()));
    expect(statuses.every((s) => s.successful)).toBe(true);
    for (let i = 0; i < 60; i += 7) {
      expect(utf8(await (contracts[0] as Contract).evaluateTransaction('get', `load-${i}`))).toBe(`v${i}`);
    }
  });

  it('lets exactly the first of concurrent read-modify-writes of one key per block win; the state is the last winner', async () => {
    await (contracts[0] as Contract).submitTransaction('put', 'hot', 'start');
    const submitted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (contracts[i % 3] as Contract).submitAsync('putThenGet', { arguments: ['hot', `w${i}`] }),
      ),
    );
    const statuses = await Promise.all(submitted.map((tx) => tx.getStatus()));
    const valid = statuses.filter((s) => s.code === 0);
    expect(valid.length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s.code === 0 || s.code === 11)).toBe(true);
    // No two winners in one block: the second would have read a version the first replaced.
    expect(new Set(valid.map((s) => s.blockNumber)).size).toBe(valid.length);
    const last = valid.reduce((a, b) => (b.blockNumber > a.blockNumber ? b : a));
    const lastIndex = statuses.indexOf(last);
    expect(utf8(await (contracts[1] as Contract).evaluateTransaction('get', 'hot'))).toBe(`w${lastIndex}`);
  });
});
