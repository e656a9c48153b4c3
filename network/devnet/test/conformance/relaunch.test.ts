import type { Contract } from '@hyperledger/fabric-gateway';
import { startTestNetwork, utf8, type TestNetwork } from './support';

jest.setTimeout(120_000);

describe('conformance: a launched chaincode whose process is killed', () => {
  let net: TestNetwork;
  let contract: Contract;

  beforeAll(async () => {
    net = await startTestNetwork();
    contract = net.gateway(1).getNetwork(net.devnet.channelId).getContract('conformance');
  });

  afterAll(async () => {
    await net?.close();
  });

  const chaincode = (): { pid?: number; ready: boolean; restarts: number } => {
    const found = net.devnet.status().chaincodes.find((c) => c.name === 'conformance');
    if (!found) throw new Error('conformance is not deployed');
    return found;
  };

  it('is relaunched by the next evaluate and submit through the fabric-gateway client, as a peer does', async () => {
    await contract.submitTransaction('put', 'before-kill', 'kept');
    const { pid } = chaincode();
    process.kill(pid as number, 'SIGKILL');
    // the devnet learns of the exit asynchronously; an invocation before that fails as on a peer
    while (chaincode().ready) await new Promise((resolve) => setTimeout(resolve, 20));

    expect(utf8(await contract.evaluateTransaction('get', 'before-kill'))).toBe('kept');
    await contract.submitTransaction('put', 'after-kill', 'ok');
    expect(utf8(await contract.evaluateTransaction('get', 'after-kill'))).toBe('ok');
    expect(chaincode()).toMatchObject({ ready: true, restarts: 1 });
    expect(chaincode().pid).not.toBe(pid);
  });
});
