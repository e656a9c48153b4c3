import { ledger, peer } from '@hyperledger/fabric-protos';
import { ChaincodeExecutionError, type ChaincodeResult } from '../../src/chaincode';
import { RawChaincode } from './support/raw-chaincode';
import { CHANNEL, RuntimeHarness } from './support/runtime';
import type { MemorySimulator } from './support/memory-simulator';

const T = peer.ChaincodeMessage.Type;
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function getState(key: string, collection = ''): Uint8Array {
  const request = new peer.GetState();
  request.setKey(key);
  request.setCollection(collection);
  return request.serializeBinary();
}

function putState(key: string, value: string, collection = ''): Uint8Array {
  const request = new peer.PutState();
  request.setKey(key);
  request.setValue(Buffer.from(value));
  request.setCollection(collection);
  return request.serializeBinary();
}

function range(startKey: string, endKey: string, pageSize?: number, bookmark = ''): Uint8Array {
  const request = new peer.GetStateByRange();
  request.setStartkey(startKey);
  request.setEndkey(endKey);
  if (pageSize !== undefined) {
    const metadata = new peer.QueryMetadata();
    metadata.setPagesize(pageSize);
    metadata.setBookmark(bookmark);
    request.setMetadata(metadata.serializeBinary());
  }
  return request.serializeBinary();
}

function iteratorId(id: string): Uint8Array {
  const request = new peer.QueryStateNext();
  request.setId(id);
  return request.serializeBinary();
}

function invokeSpec(name: string, args: string[]): Uint8Array {
  const spec = new peer.ChaincodeSpec();
  const id = new peer.ChaincodeID();
  id.setName(name);
  spec.setChaincodeId(id);
  const input = new peer.ChaincodeInput();
  input.setArgsList(args.map((arg) => Buffer.from(arg)));
  spec.setInput(input);
  return spec.serializeBinary();
}

function keys(response: peer.QueryResponse): string[] {
  return response
    .getResultsList()
    .map((r) => ledger.queryresult.KV.deserializeBinary(r.getResultbytes_asU8()).getKey());
}

describe('chaincode shim protocol (scripted chaincode against ChaincodeSupport)', () => {
  let harness: RuntimeHarness;
  let raw: RawChaincode;

  beforeAll(async () => {
    harness = await RuntimeHarness.start();
    for (let i = 0; i < 250; i++) {
      const seed = harness.ledger.newSimulator(`seed${i}`);
      seed.setState('raw', `k${String(i).padStart(3, '0')}`, Buffer.from(String(i)));
      harness.ledger.commit(seed);
    }
    raw = await RawChaincode.register(harness.address, 'raw:1.0');
  });

  afterAll(async () => {
    raw.close();
    await harness.close();
  });

  /** Starts an execution on the raw chaincode and returns the TRANSACTION it received. */
  async function begin(
    fn = 'f',
    options: { isInit?: boolean; chaincode?: string; on?: RawChaincode } = {},
  ): Promise<{
    done: Promise<ChaincodeResult>;
    tx: peer.ChaincodeMessage;
    simulator: MemorySimulator;
    txId: string;
  }> {
    const chaincode = options.chaincode ?? 'raw';
    const proposal = harness.proposal(chaincode, fn, ['a1']);
    const simulator = harness.ledger.newSimulator(proposal.txId);
    const done = harness.support.execute({
      channelId: CHANNEL,
      txId: proposal.txId,
      chaincodeName: chaincode,
      args: proposal.args,
      signedProposal: proposal.signedProposal,
      simulator,
      isInit: options.isInit,
    });
    const tx = await (options.on ?? raw).next((m) => m.getTxid() === proposal.txId);
    return { done, tx, simulator, txId: proposal.txId };
  }

  it('answers REGISTER with REGISTERED then READY and serves the chaincode under its name (dev mode)', () => {
    expect(raw.received.slice(0, 2).map((m) => m.getType())).toEqual([T.REGISTERED, T.READY]);
    expect(harness.support.isReady('raw')).toBe(true);
    expect(harness.support.info('raw')).toMatchObject({
      name: 'raw',
      ccid: 'raw:1.0',
      kind: 'external',
      ready: true,
    });
  });

  it('sends TRANSACTION with txid, channel, ChaincodeInput and the signed proposal, and maps COMPLETED to the result', async () => {
    const { done, tx, txId } = await begin('conformance:get');
    expect(tx.getType()).toBe(T.TRANSACTION);
    expect(tx.getChannelId()).toBe(CHANNEL);
    const input = peer.ChaincodeInput.deserializeBinary(tx.getPayload_asU8());
    expect(input.getArgsList_asU8().map(text)).toEqual(['conformance:get', 'a1']);
    expect(input.getIsInit()).toBe(false);
    expect(tx.getProposal()?.getProposalBytes_asU8().length).toBeGreaterThan(0);

    const response = new peer.Response();
    response.setStatus(200);
    response.setPayload(Buffer.from('ok'));
    raw.send(T.COMPLETED, { txid: txId, channelId: CHANNEL, payload: response.serializeBinary() });
    const result = await done;
    expect(result.status).toBe(200);
    expect(text(result.payload)).toBe('ok');
    expect(result.event).toBeUndefined();
  });

  it('fills chaincode id and tx id of the chaincode event, as the peer does', async () => {
    const { done, txId } = await begin('emit');
    const event = new peer.ChaincodeEvent();
    event.setEventName('Created');
    event.setPayload(Buffer.from('{"id":1}'));
    const response = new peer.Response();
    response.setStatus(200);
    const completed = new peer.ChaincodeMessage();
    completed.setType(T.COMPLETED);
    completed.setTxid(txId);
    completed.setChannelId(CHANNEL);
    completed.setPayload(response.serializeBinary());
    completed.setChaincodeEvent(event);
    raw.sendMessage(completed);
    const result = await done;
    expect(result.event).toEqual({
      chaincodeId: 'raw',
      txId,
      eventName: 'Created',
      payload: expect.any(Uint8Array),
    });
    expect(text(result.event?.payload ?? new Uint8Array())).toBe('{"id":1}');
  });

  it('returns status 500 results as results, and turns ERROR into "transaction returned with failure"', async () => {
    const first = await begin();
    raw.complete(first.txId, CHANNEL, 500, '', 'asset 7 does not exist');
    expect(await first.done).toMatchObject({ status: 500, message: 'asset 7 does not exist' });

    const second = await begin();
    raw.send(T.ERROR, {
      txid: second.txId,
      channelId: CHANNEL,
      payload: Buffer.from('stub construction failed'),
    });
    await expect(second.done).rejects.toThrow(
      new ChaincodeExecutionError('transaction returned with failure: stub construction failed'),
    );
  });

  it('sends INIT with is_init for init invocations and refuses private data there', async () => {
    const { done, tx, txId } = await begin('init', { isInit: true });
    expect(tx.getType()).toBe(T.INIT);
    expect(peer.ChaincodeInput.deserializeBinary(tx.getPayload_asU8()).getIsInit()).toBe(true);
    const reply = await raw.request(T.GET_STATE, txId, CHANNEL, getState('k', 'secrets'));
    expect(reply.getType()).toBe(T.ERROR);
    expect(text(reply.getPayload_asU8())).toBe(
      `GET_STATE failed: transaction ID: ${txId}: private data APIs are not allowed in chaincode Init()`,
    );
    raw.complete(txId, CHANNEL, 200, '');
    await done;
  });

  it('answers state requests on the invocation simulator with the request txid and channel; no read-your-writes', async () => {
    const { done, txId, simulator } = await begin();
    const put = await raw.request(T.PUT_STATE, txId, CHANNEL, putState('k000', 'changed'));
    expect(put.getType()).toBe(T.RESPONSE);
    expect(put.getChannelId()).toBe(CHANNEL);
    const read = await raw.request(T.GET_STATE, txId, CHANNEL, getState('k000'));
    expect(text(read.getPayload_asU8())).toBe('0');
    const missing = await raw.request(T.GET_STATE, txId, CHANNEL, getState('absent'));
    expect(missing.getType()).toBe(T.RESPONSE);
    expect(missing.getPayload_asU8().length).toBe(0);
    const empty = await raw.request(T.PUT_STATE, txId, CHANNEL, putState('k001', ''));
    expect(empty.getType()).toBe(T.RESPONSE);
    raw.complete(txId, CHANNEL, 200, '');
    await done;
    expect(simulator.written('raw', 'k000')).toBe('changed');
    expect(simulator.written('raw', 'k001')).toBeNull();
  });

  it('cuts range results into batches of 100 with has_more, served by QUERY_STATE_NEXT, then forgets the iterator', async () => {
    const { done, txId } = await begin();
    const first = peer.QueryResponse.deserializeBinary(
      (await raw.request(T.GET_STATE_BY_RANGE, txId, CHANNEL, range('k', ''))).getPayload_asU8(),
    );
    expect(keys(first)).toHaveLength(100);
    expect(first.getHasMore()).toBe(true);
    const id = first.getId();
    const second = peer.QueryResponse.deserializeBinary(
      (await raw.request(T.QUERY_STATE_NEXT, txId, CHANNEL, iteratorId(id))).getPayload_asU8(),
    );
    expect(keys(second)[0]).toBe('k100');
    expect(second.getHasMore()).toBe(true);
    const third = peer.QueryResponse.deserializeBinary(
      (await raw.request(T.QUERY_STATE_NEXT, txId, CHANNEL, iteratorId(id))).getPayload_asU8(),
    );
    expect(keys(third)).toHaveLength(50);
    expect(keys(third).at(-1)).toBe('k249');
    expect(third.getHasMore()).toBe(false);
    const gone = await raw.request(T.QUERY_STATE_NEXT, txId, CHANNEL, iteratorId(id));
    expect(text(gone.getPayload_asU8())).toBe(
      `QUERY_STATE_NEXT failed: transaction ID: ${txId}: query iterator not found`,
    );
    const closed = await raw.request(T.QUERY_STATE_CLOSE, txId, CHANNEL, iteratorId(id));
    expect(closed.getType()).toBe(T.RESPONSE);
    expect(peer.QueryResponse.deserializeBinary(closed.getPayload_asU8()).getId()).toBe(id);
    raw.complete(txId, CHANNEL, 200, '');
    await done;
  });

  it('answers a paginated range with one page, its bookmark and fetched count, and refuses it after a write', async () => {
    const { done, txId } = await begin();
    const page = peer.QueryResponse.deserializeBinary(
      (await raw.request(T.GET_STATE_BY_RANGE, txId, CHANNEL, range('k', '', 3, 'k010'))).getPayload_asU8(),
    );
    expect(keys(page)).toEqual(['k010', 'k011', 'k012']);
    expect(page.getHasMore()).toBe(false);
    const metadata = peer.QueryResponseMetadata.deserializeBinary(page.getMetadata_asU8());
    expect(metadata.getFetchedRecordsCount()).toBe(3);
    expect(metadata.getBookmark()).toBe('k013');
    const write = await raw.request(T.PUT_STATE, txId, CHANNEL, putState('x', 'y'));
    expect(text(write.getPayload_asU8())).toBe(
      `PUT_STATE failed: transaction ID: ${txId}: txid [${txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
    );
    raw.complete(txId, CHANNEL, 200, '');
    await done;

    const other = await begin();
    await raw.request(T.PUT_STATE, other.txId, CHANNEL, putState('x', 'y'));
    const refused = await raw.request(T.GET_STATE_BY_RANGE, other.txId, CHANNEL, range('k', '', 3));
    expect(text(refused.getPayload_asU8())).toBe(
      `GET_STATE_BY_RANGE failed: transaction ID: ${other.txId}: txid [${other.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
    );
    raw.complete(other.txId, CHANNEL, 200, '');
    await other.done;
  });

  it('encodes history as KeyModification with the transaction timestamp', async () => {
    const { done, txId } = await begin();
    const request = new peer.GetHistoryForKey();
    request.setKey('k007');
    const reply = peer.QueryResponse.deserializeBinary(
      (await raw.request(T.GET_HISTORY_FOR_KEY, txId, CHANNEL, request.serializeBinary())).getPayload_asU8(),
    );
    const [modification] = reply
      .getResultsList()
      .map((r) => ledger.queryresult.KeyModification.deserializeBinary(r.getResultbytes_asU8()));
    expect(modification?.getTxId()).toBe('seed7');
    expect(text(modification?.getValue_asU8() ?? new Uint8Array())).toBe('7');
    expect(modification?.getTimestamp()?.getSeconds()).toBe(1_700_000_000);
    raw.complete(txId, CHANNEL, 200, '');
    await done;
  });

  it('answers GET_STATE_MULTIPLE and WRITE_BATCH_STATE (newer shims)', async () => {
    const { done, txId, simulator } = await begin();
    const multiple = new peer.GetStateMultiple();
    multiple.setKeysList(['k001', 'absent', 'k002']);
    const values = peer.GetStateMultipleResult.deserializeBinary(
      (await raw.request(T.GET_STATE_MULTIPLE, txId, CHANNEL, multiple.serializeBinary())).getPayload_asU8(),
    );
    expect(values.getValuesList_asU8().map(text)).toEqual(['1', '', '2']);
    const batch = new peer.WriteBatchState();
    const record = new peer.WriteRecord();
    record.setType(peer.WriteRecord.Type.PUT_STATE);
    record.setKey('batched');
    record.setValue(Buffer.from('v'));
    batch.addRec(record);
    const deletion = new peer.WriteRecord();
    deletion.setType(peer.WriteRecord.Type.DEL_STATE);
    deletion.setKey('k003');
    batch.addRec(deletion);
    expect((await raw.request(T.WRITE_BATCH_STATE, txId, CHANNEL, batch.serializeBinary())).getType()).toBe(
      T.RESPONSE,
    );
    raw.complete(txId, CHANNEL, 200, '');
    await done;
    expect(simulator.written('raw', 'batched')).toBe('v');
    expect(simulator.written('raw', 'k003')).toBeNull();
  });

  it('refuses PURGE_PRIVATE_DATA without a collection, as Fabric does', async () => {
    const { done, txId } = await begin();
    const purge = new peer.PurgePrivateState();
    purge.setKey('k');
    const reply = await raw.request(T.PURGE_PRIVATE_DATA, txId, CHANNEL, purge.serializeBinary());
    expect(text(reply.getPayload_asU8())).toBe(
      `PURGE_PRIVATE_DATA failed: transaction ID: ${txId}: only applicable for private data`,
    );
    raw.complete(txId, CHANNEL, 200, '');
    await done;
  });

  it('answers an unsupported message type with a clear ERROR and keeps the stream usable', async () => {
    const { done, txId } = await begin();
    const reply = await raw.request(99, txId, CHANNEL, new Uint8Array());
    expect(reply.getType()).toBe(T.ERROR);
    expect(text(reply.getPayload_asU8())).toBe(
      `UNKNOWN(99) failed: transaction ID: ${txId}: unsupported chaincode message type UNKNOWN(99): the devnet peer cannot handle it in ready state`,
    );
    const registered = await raw.request(T.REGISTER, txId, CHANNEL, new Uint8Array());
    expect(text(registered.getPayload_asU8())).toContain('unsupported chaincode message type REGISTER');
    raw.complete(txId, CHANNEL, 200, 'still alive');
    expect(text((await done).payload)).toBe('still alive');
  });

  it('answers a request for an unknown transaction with "no ledger context", and ignores KEEPALIVE', async () => {
    const reply = await raw.request(T.GET_STATE, 'not-running', CHANNEL, getState('k'));
    expect(text(reply.getPayload_asU8())).toBe(
      'GET_STATE failed: transaction ID: not-running: no ledger context',
    );
    const before = raw.received.length;
    raw.send(T.KEEPALIVE);
    const after = await raw.request(T.GET_STATE, 'not-running-2', CHANNEL, getState('k'));
    expect(after.getType()).toBe(T.ERROR);
    expect(raw.received.length).toBe(before + 1);
  });

  it('serialises two simulations of the same txid (one per endorser): the second starts after the first completes', async () => {
    const proposal = harness.proposal('raw', 'same', []);
    const run = (simulator: MemorySimulator): Promise<ChaincodeResult> =>
      harness.support.execute({
        channelId: CHANNEL,
        txId: proposal.txId,
        chaincodeName: 'raw',
        args: proposal.args,
        signedProposal: proposal.signedProposal,
        simulator,
      });
    const simulatorA = harness.ledger.newSimulator(proposal.txId);
    const simulatorB = harness.ledger.newSimulator(proposal.txId);
    const a = run(simulatorA);
    const b = run(simulatorB);
    await raw.next((m) => m.getTxid() === proposal.txId && m.getType() === T.TRANSACTION);
    await raw.request(T.PUT_STATE, proposal.txId, CHANNEL, putState('endorser', 'A'));
    const transactionsSoFar = raw.received.filter(
      (m) => m.getTxid() === proposal.txId && m.getType() === T.TRANSACTION,
    ).length;
    expect(transactionsSoFar).toBe(1);
    raw.complete(proposal.txId, CHANNEL, 200, 'first');
    await raw.next((m) => m.getTxid() === proposal.txId && m.getType() === T.TRANSACTION);
    await raw.request(T.PUT_STATE, proposal.txId, CHANNEL, putState('endorser', 'B'));
    raw.complete(proposal.txId, CHANNEL, 200, 'second');
    expect(text((await a).payload)).toBe('first');
    expect(text((await b).payload)).toBe('second');
    expect(simulatorA.written('raw', 'endorser')).toBe('A');
    expect(simulatorB.written('raw', 'endorser')).toBe('B');
  });

  describe('chaincode-to-chaincode calls', () => {
    let target: RawChaincode;

    beforeAll(async () => {
      target = await RawChaincode.register(harness.address, 'target:2.0');
    });

    afterAll(() => {
      target.close();
      harness.support.onChaincodeInvoke = undefined;
    });

    it('runs the target with the same txid and simulator and returns its COMPLETED message', async () => {
      const { done, txId, simulator } = await begin();
      const reply = raw.request(
        T.INVOKE_CHAINCODE,
        txId,
        CHANNEL,
        invokeSpec('target', ['conformance:put', 'x', '1']),
      );
      const nested = await target.next((m) => m.getTxid() === txId);
      expect(nested.getType()).toBe(T.TRANSACTION);
      expect(
        peer.ChaincodeInput.deserializeBinary(nested.getPayload_asU8()).getArgsList_asU8().map(text),
      ).toEqual(['conformance:put', 'x', '1']);
      await target.request(T.PUT_STATE, txId, CHANNEL, putState('x', '1'));
      target.complete(txId, CHANNEL, 200, 'nested ok');
      const response = await reply;
      expect(response.getType()).toBe(T.RESPONSE);
      const message = peer.ChaincodeMessage.deserializeBinary(response.getPayload_asU8());
      expect(message.getType()).toBe(T.COMPLETED);
      expect(text(peer.Response.deserializeBinary(message.getPayload_asU8()).getPayload_asU8())).toBe(
        'nested ok',
      );
      raw.complete(txId, CHANNEL, 200, '');
      await done;
      expect(simulator.written('target', 'x')).toBe('1');
      expect(simulator.written('raw', 'x')).toBeUndefined();
    });

    it('refuses other channels, unknown chaincodes and calls back into a chaincode running the same simulation', async () => {
      const { done, txId } = await begin();
      const otherChannel = await raw.request(
        T.INVOKE_CHAINCODE,
        txId,
        CHANNEL,
        invokeSpec('target/otherchannel', ['f']),
      );
      expect(text(otherChannel.getPayload_asU8())).toBe(
        `INVOKE_CHAINCODE failed: transaction ID: ${txId}: failed to find ledger for channel: otherchannel`,
      );
      const unknown = await raw.request(T.INVOKE_CHAINCODE, txId, CHANNEL, invokeSpec('nope', ['f']));
      expect(text(unknown.getPayload_asU8())).toBe(
        `INVOKE_CHAINCODE failed: transaction ID: ${txId}: execute failed: chaincode nope is not registered with the devnet`,
      );
      const itself = await raw.request(T.INVOKE_CHAINCODE, txId, CHANNEL, invokeSpec('raw', ['f']));
      expect(text(itself.getPayload_asU8())).toBe(
        `INVOKE_CHAINCODE failed: transaction ID: ${txId}: execute failed: error sending: txid: ${txId}(${CHANNEL}) exists`,
      );
      harness.support.onChaincodeInvoke = (call) => {
        if (call.targetName === 'target')
          throw new Error(`chaincode ${call.callerName} may not call ${call.targetName}`);
      };
      const refused = await raw.request(T.INVOKE_CHAINCODE, txId, CHANNEL, invokeSpec('target', ['f']));
      expect(text(refused.getPayload_asU8())).toBe(
        `INVOKE_CHAINCODE failed: transaction ID: ${txId}: chaincode raw may not call target`,
      );
      harness.support.onChaincodeInvoke = undefined;
      raw.complete(txId, CHANNEL, 200, '');
      await done;
    });
  });

  it('fails executions of chaincodes that are not registered, naming them', async () => {
    const proposal = harness.proposal('missing', 'f', []);
    await expect(
      harness.support.execute({
        channelId: CHANNEL,
        txId: proposal.txId,
        chaincodeName: 'missing',
        args: proposal.args,
        signedProposal: proposal.signedProposal,
        simulator: harness.ledger.newSimulator(proposal.txId),
      }),
    ).rejects.toThrow(new ChaincodeExecutionError('chaincode missing is not registered with the devnet'));
  });

  it('refuses a second registration under a name that is already served, and a message before REGISTER', async () => {
    const duplicate = RawChaincode.open(harness.address, 'raw:2.0');
    const error = await duplicate.next();
    expect(error.getType()).toBe(T.ERROR);
    expect(text(error.getPayload_asU8())).toBe(
      'duplicate chaincodeID: chaincode raw is already deployed as raw:1.0',
    );
    await duplicate.ended();
    duplicate.close();

    const rude = new RawChaincodeWithoutRegister(harness.address);
    const reply = await rude.raw.next();
    expect(text(reply.getPayload_asU8())).toContain(
      'devnet peer cannot handle message (GET_STATE) while in created state',
    );
    await rude.raw.ended();
    rude.raw.close();
  });

  it('never sends KEEPALIVE (fabric-shim 2.5 exits on it): only REGISTERED, READY, TRANSACTION, INIT, RESPONSE, ERROR', () => {
    const types = new Set(raw.received.map((m) => m.getType()));
    expect(types.has(T.KEEPALIVE)).toBe(false);
    for (const type of types)
      expect([T.REGISTERED, T.READY, T.TRANSACTION, T.INIT, T.RESPONSE, T.ERROR]).toContain(type);
  });

  it('fails in-flight executions with "chaincode stream terminated" when the stream ends, and forgets the chaincode', async () => {
    const doomed = await RawChaincode.register(harness.address, 'doomed:1');
    const { done } = await begin('f', { chaincode: 'doomed', on: doomed });
    doomed.close();
    await expect(done).rejects.toThrow(new ChaincodeExecutionError('chaincode stream terminated'));
    expect(harness.support.isReady('doomed')).toBe(false);
    expect(harness.support.info('doomed')).toBeUndefined();
  });
});

describe('private data collection permissions', () => {
  let harness: RuntimeHarness;
  let raw: RawChaincode;
  const asked: string[] = [];

  beforeAll(async () => {
    harness = await RuntimeHarness.start({
      collectionAccess: ({ collection, access, namespace }) => {
        asked.push(`${namespace}/${collection}/${access}`);
        return !(collection === 'hidden' || (collection === 'locked' && access === 'write'));
      },
    });
    raw = await RawChaincode.register(harness.address, 'pdc:1');
  });

  afterAll(async () => {
    raw.close();
    await harness.close();
  });

  it("refuses reads and writes the collection policy denies, with Fabric's text; hashes stay readable", async () => {
    const proposal = harness.proposal('pdc', 'f', []);
    const done = harness.support.execute({
      channelId: CHANNEL,
      txId: proposal.txId,
      chaincodeName: 'pdc',
      args: proposal.args,
      signedProposal: proposal.signedProposal,
      simulator: harness.ledger.newSimulator(proposal.txId),
    });
    const txId = (await raw.nextTransaction()).getTxid();
    const read = await raw.request(T.GET_STATE, txId, CHANNEL, getState('k', 'hidden'));
    expect(text(read.getPayload_asU8())).toBe(
      `GET_STATE failed: transaction ID: ${txId}: tx creator does not have read access permission on privatedata in chaincodeName:pdc collectionName: hidden`,
    );
    const write = await raw.request(T.PUT_STATE, txId, CHANNEL, putState('k', 'v', 'locked'));
    expect(text(write.getPayload_asU8())).toBe(
      `PUT_STATE failed: transaction ID: ${txId}: tx creator does not have write access permission on privatedata in chaincodeName:pdc collectionName: locked`,
    );
    expect((await raw.request(T.GET_STATE, txId, CHANNEL, getState('k', 'locked'))).getType()).toBe(
      T.RESPONSE,
    );
    expect(
      (await raw.request(T.GET_PRIVATE_DATA_HASH, txId, CHANNEL, getState('k', 'hidden'))).getType(),
    ).toBe(T.RESPONSE);
    expect((await raw.request(T.GET_STATE, txId, CHANNEL, getState('public'))).getType()).toBe(T.RESPONSE);
    expect(asked).toEqual(['pdc/hidden/read', 'pdc/locked/write', 'pdc/locked/read']);
    raw.complete(txId, CHANNEL, 200, '');
    await done;
  });
});

describe('execution timeout', () => {
  let harness: RuntimeHarness;
  let raw: RawChaincode;

  beforeAll(async () => {
    harness = await RuntimeHarness.start({ executeTimeoutMs: 300 });
    raw = await RawChaincode.register(harness.address, 'slow:1');
  });

  afterAll(async () => {
    raw.close();
    await harness.close();
  });

  it('rejects with Fabric\'s timeout text, answers late requests with "no ledger context", then runs the next simulation of the txid', async () => {
    const proposal = harness.proposal('slow', 'sleep', []);
    const execute = (): Promise<ChaincodeResult> =>
      harness.support.execute({
        channelId: CHANNEL,
        txId: proposal.txId,
        chaincodeName: 'slow',
        args: proposal.args,
        signedProposal: proposal.signedProposal,
        simulator: harness.ledger.newSimulator(proposal.txId),
      });
    const first = execute();
    await raw.nextTransaction();
    await expect(first).rejects.toThrow(
      new ChaincodeExecutionError('timeout expired while executing transaction'),
    );
    const late = await raw.request(T.GET_STATE, proposal.txId, CHANNEL, getState('k'));
    expect(text(late.getPayload_asU8())).toBe(
      `GET_STATE failed: transaction ID: ${proposal.txId}: no ledger context`,
    );

    const second = execute();
    raw.complete(proposal.txId, CHANNEL, 200, 'late answer of the first');
    const next = await raw.nextTransaction();
    expect(next.getTxid()).toBe(proposal.txId);
    raw.complete(proposal.txId, CHANNEL, 200, 'second');
    expect(text((await second).payload)).toBe('second');
  });
});

class RawChaincodeWithoutRegister {
  readonly raw: RawChaincode;

  constructor(address: string) {
    this.raw = RawChaincode.openUnregistered(address);
    this.raw.send(T.GET_STATE, { txid: 't', channelId: CHANNEL, payload: getState('k') });
  }
}
