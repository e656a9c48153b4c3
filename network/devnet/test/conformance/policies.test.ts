import * as grpc from '@grpc/grpc-js';
import { EndorseError, type Contract, type Network } from '@hyperledger/fabric-gateway';
import { FIXTURE_CHAINCODE, startTestNetwork, take, utf8, type TestNetwork } from './support';

jest.setTimeout(180_000);

describe('conformance: endorsement policies, key-level policies, duplicates', () => {
  let net: TestNetwork;
  let network: Network;

  beforeAll(async () => {
    net = await startTestNetwork();
    await net.devnet.deploy('anycc', FIXTURE_CHAINCODE, { policy: 'ANY' });
    await net.devnet.deploy('andcc', FIXTURE_CHAINCODE, { policy: "AND('Org1MSP.peer','Org3MSP.peer')" });
    network = net.gateway(1).getNetwork(net.devnet.channelId);
  });

  afterAll(async () => {
    await net?.close();
  });

  async function submitWith(
    contract: Contract,
    orgs: string[],
    fn: string,
    ...args: string[]
  ): Promise<number> {
    const transaction = await contract
      .newProposal(fn, { arguments: args, endorsingOrganizations: orgs })
      .endorse();
    return (await (await transaction.submit()).getStatus()).code;
  }

  it('ANY: one organisation endorsing is enough', async () => {
    const contract = network.getContract('anycc');
    expect(await submitWith(contract, ['Org2MSP'], 'put', 'k', 'v')).toBe(0);
  });

  it('a signature policy: the gateway picks the organisations it names; others fail validation', async () => {
    const contract = network.getContract('andcc');
    await contract.submitTransaction('put', 'and-key', 'v1');
    expect(utf8(await contract.evaluateTransaction('get', 'and-key'))).toBe('v1');
    expect(await submitWith(contract, ['Org1MSP', 'Org2MSP'], 'put', 'and-key', 'v2')).toBe(10);
    expect(await submitWith(contract, ['Org1MSP', 'Org3MSP'], 'put', 'and-key', 'v3')).toBe(0);
  });

  it('refuses at deploy time a policy naming an organisation that is not on the channel', async () => {
    await expect(
      net.devnet.deploy('badcc', FIXTURE_CHAINCODE, { policy: "AND('Org9MSP.peer')" }),
    ).rejects.toThrow(/Org9MSP/);
  });

  it('honours key-level endorsement policies (state-based endorsement)', async () => {
    const contract = network.getContract('conformance');
    await contract.submitTransaction('put', 'sbe-key', 'v1');
    await contract.submitTransaction(
      'setKeyPolicy',
      'sbe-key',
      JSON.stringify(['Org1MSP', 'Org2MSP', 'Org3MSP']),
    );
    expect(JSON.parse(utf8(await contract.evaluateTransaction('getKeyPolicy', 'sbe-key')))).toEqual([
      'Org1MSP',
      'Org2MSP',
      'Org3MSP',
    ]);
    // MAJORITY would accept two organisations, the key's policy needs all three.
    expect(await submitWith(contract, ['Org1MSP', 'Org2MSP'], 'put', 'sbe-key', 'v2')).toBe(10);
    // Left to the gateway, the plan includes every organisation the key's policy needs.
    await contract.submitTransaction('put', 'sbe-key', 'v3');
    expect(utf8(await contract.evaluateTransaction('get', 'sbe-key'))).toBe('v3');
    // Keys without a key-level policy still follow the chaincode policy.
    expect(await submitWith(contract, ['Org1MSP', 'Org2MSP'], 'put', 'other-key', 'x')).toBe(0);
  });

  it('marks a resubmitted transaction DUPLICATE_TXID and refuses to endorse a used transaction id', async () => {
    const contract = network.getContract('conformance');
    const proposal = contract.newProposal('put', { arguments: ['dup-key', 'once'] });
    const transaction = await proposal.endorse();
    const first = await transaction.submit();
    expect((await first.getStatus()).code).toBe(0);
    await transaction.submit();
    const blocks = await network.getFilteredBlockEvents({
      startBlock: (await first.getStatus()).blockNumber + 1n,
    });
    try {
      const [block] = await take(blocks[Symbol.asyncIterator](), 1);
      const duplicate = block
        ?.getFilteredTransactionsList()
        .find((tx) => tx.getTxid() === transaction.getTransactionId());
      expect(duplicate?.getTxValidationCode()).toBe(9);
    } finally {
      blocks.close();
    }
    const again = (await proposal.endorse().catch((err: unknown) => err)) as EndorseError;
    expect(again).toBeInstanceOf(EndorseError);
    expect(again.code).toBe(grpc.status.ABORTED);
    expect(again.details[0]?.message).toContain(
      `duplicate transaction found [${transaction.getTransactionId()}]`,
    );
  });
});
