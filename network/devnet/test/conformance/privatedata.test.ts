import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GatewayError, type Network } from '@hyperledger/fabric-gateway';
import { FIXTURE_CHAINCODE, startTestNetwork, take, utf8, type TestNetwork } from './support';

jest.setTimeout(120_000);

const COLLECTIONS = JSON.stringify([
  {
    name: 'org12',
    policy: "OR('Org1MSP.member','Org2MSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 3,
    blockToLive: 0,
    memberOnlyRead: true,
    memberOnlyWrite: true,
  },
]);

describe('conformance: private data collections', () => {
  let net: TestNetwork;
  let org1: Network;
  let org3: Network;

  beforeAll(async () => {
    net = await startTestNetwork({}, '');
    await net.devnet.deploy('pdc', FIXTURE_CHAINCODE, { collections: COLLECTIONS });
    org1 = net.gateway(1).getNetwork(net.devnet.channelId);
    org3 = net.gateway(3).getNetwork(net.devnet.channelId);
  });

  afterAll(async () => {
    await net?.close();
  });

  it('commits private data from transient input, keeps it off the block, and enforces memberOnlyRead', async () => {
    const contract = org1.getContract('pdc');
    const submitted = await contract.submitAsync('putPrivateTransient', {
      arguments: ['org12', 'pk'],
      transientData: { value: Buffer.from('private-value-42') },
    });
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);

    expect(utf8(await contract.evaluateTransaction('getPrivate', 'org12', 'pk'))).toBe('private-value-42');
    const expectedHash = createHash('sha256').update('private-value-42').digest('hex');
    expect(utf8(await org3.getContract('pdc').evaluateTransaction('privateHash', 'org12', 'pk'))).toBe(
      expectedHash,
    );

    const denied = (await org3
      .getContract('pdc')
      .evaluateTransaction('getPrivate', 'org12', 'pk')
      .catch((err: unknown) => err)) as GatewayError;
    expect(denied).toBeInstanceOf(GatewayError);
    expect(denied.code).toBe(grpc.status.UNKNOWN);
    expect(denied.message).toContain('does not have read access permission');

    const blocks = await org1.getBlockEvents({ startBlock: status.blockNumber });
    try {
      const [block] = await take(blocks[Symbol.asyncIterator](), 1);
      expect(Buffer.from(block?.serializeBinary() ?? []).includes(Buffer.from('private-value-42'))).toBe(
        false,
      );
    } finally {
      blocks.close();
    }
  });

  it('refuses a collections config with an unknown organisation at deploy time', async () => {
    const bad = JSON.stringify([
      { name: 'x', policy: "OR('Org7MSP.member')", requiredPeerCount: 0, maxPeerCount: 1, blockToLive: 0 },
    ]);
    await expect(net.devnet.deploy('pdc2', FIXTURE_CHAINCODE, { collections: bad })).rejects.toThrow(
      /Org7MSP/,
    );
  });
});
