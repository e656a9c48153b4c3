import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkpointers,
  connect,
  hash,
  signers,
  type Contract,
  type Network,
} from '@hyperledger/fabric-gateway';
import { ensureNetworkMaterial } from '../../src/msp';
import { startTestNetwork, take, utf8, type TestNetwork } from './support';

jest.setTimeout(120_000);

describe('conformance: events with the real fabric-gateway client', () => {
  let net: TestNetwork;
  let network: Network;
  let contract: Contract;
  let firstEventBlock: bigint;

  beforeAll(async () => {
    net = await startTestNetwork();
    network = net.gateway(1).getNetwork(net.devnet.channelId);
    contract = network.getContract('conformance');
    const first = await contract.submitAsync('emit', { arguments: ['evt', 'payload-0'] });
    firstEventBlock = (await first.getStatus()).blockNumber;
    for (let i = 1; i < 5; i++) await contract.submitTransaction('emit', 'evt', `payload-${i}`);
  });

  afterAll(async () => {
    await net?.close();
  });

  it('replays chaincode events from a start block', async () => {
    const events = await network.getChaincodeEvents('conformance', { startBlock: firstEventBlock });
    try {
      const received = await take(events[Symbol.asyncIterator](), 5);
      expect(received.map((e) => utf8(e.payload))).toEqual([
        'payload-0',
        'payload-1',
        'payload-2',
        'payload-3',
        'payload-4',
      ]);
      expect(received.every((e) => e.chaincodeName === 'conformance' && e.eventName === 'evt')).toBe(true);
      expect(received[0]?.blockNumber).toBe(firstEventBlock);
    } finally {
      events.close();
    }
  });

  it('resumes from a checkpoint without gaps or duplicates, and sees new events live', async () => {
    const checkpointer = checkpointers.inMemory();
    const events = await network.getChaincodeEvents('conformance', {
      startBlock: firstEventBlock,
      checkpoint: checkpointer,
    });
    const iterator = events[Symbol.asyncIterator]();
    const firstTwo = await take(iterator, 2);
    for (const event of firstTwo) await checkpointer.checkpointChaincodeEvent(event);
    events.close();

    const resumed = await network.getChaincodeEvents('conformance', { checkpoint: checkpointer });
    try {
      const rest = await take(resumed[Symbol.asyncIterator](), 3);
      expect([...firstTwo, ...rest].map((e) => utf8(e.payload))).toEqual([
        'payload-0',
        'payload-1',
        'payload-2',
        'payload-3',
        'payload-4',
      ]);
    } finally {
      resumed.close();
    }

    // From the current height (not "next commit"), so the request cannot race the transaction below.
    const live = await network.getChaincodeEvents('conformance', {
      startBlock: BigInt(net.devnet.status().height),
    });
    try {
      const next = live[Symbol.asyncIterator]().next();
      await contract.submitTransaction('emit', 'evt', 'payload-live');
      expect(utf8((await next).value.payload)).toBe('payload-live');
    } finally {
      live.close();
    }
  });

  it('does not deliver events of transactions that failed validation', async () => {
    const proposal = contract.newProposal('emit', {
      arguments: ['evt', 'invalid-event'],
      endorsingOrganizations: ['Org1MSP'],
    });
    const transaction = await proposal.endorse();
    const status = await (await transaction.submit()).getStatus();
    expect(status.code).toBe(10);
    await contract.submitTransaction('emit', 'evt', 'after-invalid');
    const events = await network.getChaincodeEvents('conformance', { startBlock: status.blockNumber });
    try {
      const [event] = await take(events[Symbol.asyncIterator](), 1);
      expect(utf8(event?.payload ?? new Uint8Array())).toBe('after-invalid');
    } finally {
      events.close();
    }
  });

  it('delivers blocks from block 0 (a config block) with header hashes chained', async () => {
    const blocks = await network.getBlockEvents({ startBlock: 0n });
    try {
      const [genesis, second] = await take(blocks[Symbol.asyncIterator](), 2);
      expect(genesis?.getHeader()?.getNumber()).toBe(0);
      expect(second?.getHeader()?.getNumber()).toBe(1);
      expect(second?.getHeader()?.getPreviousHash_asU8().length).toBe(32);
    } finally {
      blocks.close();
    }
  });

  it('delivers blocks with private data (DeliverWithPrivateData)', async () => {
    const blocks = await network.getBlockAndPrivateDataEvents({ startBlock: 1n });
    try {
      const [first] = await take(blocks[Symbol.asyncIterator](), 1);
      expect(first?.getBlock()?.getHeader()?.getNumber()).toBe(1);
    } finally {
      blocks.close();
    }
  });

  it('delivers filtered blocks with transaction ids, validation codes and event names', async () => {
    const submitted = await contract.submitAsync('emit', { arguments: ['filtered', 'secret-payload'] });
    const status = await submitted.getStatus();
    const blocks = await network.getFilteredBlockEvents({ startBlock: status.blockNumber });
    try {
      const [block] = await take(blocks[Symbol.asyncIterator](), 1);
      expect(block?.getNumber()).toBe(Number(status.blockNumber));
      const tx = block
        ?.getFilteredTransactionsList()
        .find((t) => t.getTxid() === submitted.getTransactionId());
      expect(tx?.getTxValidationCode()).toBe(0);
      const event = tx?.getTransactionActions()?.getChaincodeActionsList()[0]?.getChaincodeEvent();
      expect(event?.getEventName()).toBe('filtered');
      expect(event?.getPayload_asU8().length).toBe(0);
    } finally {
      blocks.close();
    }
  });

  it('refuses block and chaincode events to an identity of an unknown CA', async () => {
    const foreignDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-foreign-'));
    const { client } = net.devnet.connection(1);
    try {
      const user = (await ensureNetworkMaterial(foreignDir, 1)).orgs[0]?.user;
      if (!user) throw new Error('no foreign user');
      const gw = connect({
        client,
        identity: { mspId: user.mspId, credentials: Buffer.from(user.certPem) },
        signer: signers.newPrivateKeySigner(createPrivateKey(user.keyPem)),
        hash: hash.sha256,
      });
      const foreign = gw.getNetwork(net.devnet.channelId);
      const blocks = await foreign.getBlockEvents({ startBlock: 0n });
      await expect(blocks[Symbol.asyncIterator]().next()).rejects.toThrow(/FORBIDDEN|status/i);
      blocks.close();
      const events = await foreign.getChaincodeEvents('conformance', { startBlock: 0n });
      await expect(events[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 7 });
      events.close();
      gw.close();
    } finally {
      client.close();
      await fs.rm(foreignDir, { recursive: true, force: true });
    }
  });
});
