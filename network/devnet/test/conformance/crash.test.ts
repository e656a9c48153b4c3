import * as grpc from '@grpc/grpc-js';
import { GatewayError, type Contract } from '@hyperledger/fabric-gateway';
import { FIXTURE_CHAINCODE, startTestNetwork, utf8, type TestNetwork } from './support';

jest.setTimeout(120_000);

describe('conformance: a chaincode that crashes', () => {
  let net: TestNetwork;
  let contract: Contract;

  beforeAll(async () => {
    net = await startTestNetwork();
    contract = net.gateway(1).getNetwork(net.devnet.channelId).getContract('conformance');
  });

  afterAll(async () => {
    await net?.close();
  });

  it('reports "chaincode stream terminated" as Fabric does, and works again after a redeploy', async () => {
    const error = (await contract.evaluateTransaction('crash').catch((err: unknown) => err)) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(grpc.status.ABORTED);
    expect(error.message).toContain('failed to evaluate transaction, see attached details for more info');
    expect(error.details[0]?.message).toContain('chaincode stream terminated');

    await net.devnet.deploy('conformance', FIXTURE_CHAINCODE);
    await contract.submitTransaction('put', 'after-crash', 'ok');
    expect(utf8(await contract.evaluateTransaction('get', 'after-crash'))).toBe('ok');
  });
});
