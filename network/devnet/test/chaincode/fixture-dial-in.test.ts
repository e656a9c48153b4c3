import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ChaincodeExecutionError,
  ChaincodeLaunchError,
  ChaincodeUnavailableError,
} from '../../src/chaincode';
import { CHANNEL, FIXTURE_PATH, RuntimeHarness } from './support/runtime';

/** The real fabric-shim 2.5 running the conformance fixture, dialling in over plaintext gRPC. */
describe('real fabric-shim chaincode dialling in (ChaincodeSupport.Register)', () => {
  let h: RuntimeHarness;
  let ccid: string;
  let pid: number;

  beforeAll(async () => {
    h = await RuntimeHarness.start({ executeTimeoutMs: 3000 });
    const common = {
      path: FIXTURE_PATH,
      peerAddress: h.address,
      logDir: h.dataDir,
      env: { CORE_PEER_LOCALMSPID: 'Org1MSP' },
    };
    const [launched] = await Promise.all([
      h.support.launch({ name: 'conformance', ...common }),
      h.support.launch({ name: 'other', ...common }),
    ]);
    ccid = launched.ccid;
    pid = launched.pid;
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  it('launches the folder as name:<hash of the folder>, logs to <logDir>/<name>.log and serves it', async () => {
    expect(ccid).toMatch(/^conformance:[0-9a-f]{64}$/);
    expect(h.support.info('other')?.ccid.split(':')[1]).toBe(ccid.split(':')[1]);
    expect(pid).toBeGreaterThan(0);
    expect(h.support.isReady('conformance')).toBe(true);
    expect(h.support.info('conformance')).toMatchObject({
      kind: 'process',
      ready: true,
      pid,
      logFile: path.join(h.dataDir, 'conformance.log'),
    });
    const log = await fs.readFile(path.join(h.dataDir, 'conformance.log'), 'utf8');
    expect(log).toContain(`launching ${ccid}`);
  });

  it('puts, gets and deletes state; reads never see the transaction own writes', async () => {
    expect(await h.submit('conformance', 'put', ['color', 'blue'])).toBe('color');
    expect(Buffer.from(h.ledger.committed('conformance', 'color')?.value ?? []).toString()).toBe('blue');
    expect((await h.invoke('conformance', 'get', ['color'])).text).toBe('blue');
    expect((await h.invoke('conformance', 'get', ['nothing'])).text).toBe('');
    const { text, simulator } = await h.invoke('conformance', 'putThenGet', ['color', 'red']);
    expect(text).toBe('blue');
    expect(simulator.written('conformance', 'color')).toBe('red');
    const deleted = await h.invoke('conformance', 'del', ['color']);
    expect(deleted.simulator.written('conformance', 'color')).toBeNull();
  });

  it('iterates ranges of more than 100 results (QUERY_STATE_NEXT) and closes iterators early', async () => {
    await h.submit('conformance', 'putMany', ['item', '250']);
    const all = JSON.parse((await h.invoke('conformance', 'range', ['item', 'item~'])).text) as {
      key: string;
    }[];
    expect(all).toHaveLength(250);
    expect(all[0]?.key).toBe('item0000');
    expect(all[249]?.key).toBe('item0249');
    expect((await h.invoke('conformance', 'rangeFirst', ['item0100', ''])).text).toBe('item0100');
  });

  it('pages ranges with bookmarks; refuses a paginated query after a write and a write after one (Fabric texts)', async () => {
    const first = JSON.parse(
      (await h.invoke('conformance', 'rangePage', ['item', 'item~', '10', ''], { readOnly: true })).text,
    );
    expect(first.results).toHaveLength(10);
    expect(first.metadata).toEqual({ fetchedRecordsCount: 10, bookmark: 'item0010' });
    const second = JSON.parse(
      (
        await h.invoke('conformance', 'rangePage', ['item', 'item~', '10', first.metadata.bookmark], {
          readOnly: true,
        })
      ).text,
    );
    expect(second.results[0].key).toBe('item0010');

    const putThenPage = await h.invoke('conformance', 'putThenPage', ['w', 'item', 'item~']);
    expect(putThenPage.result.status).toBe(500);
    expect(putThenPage.result.message).toBe(
      `GET_STATE_BY_RANGE failed: transaction ID: ${putThenPage.txId}: txid [${putThenPage.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
    );
    const pageThenPut = await h.invoke('conformance', 'pageThenPut', ['w', 'item', 'item~']);
    expect(pageThenPut.result.message).toBe(
      `PUT_STATE failed: transaction ID: ${pageThenPut.txId}: txid [${pageThenPut.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
    );
  });

  it('queries composite keys by partial key, with and without pagination', async () => {
    for (const [owner, id] of [
      ['alice', '1'],
      ['alice', '2'],
      ['bob', '1'],
    ]) {
      await h.submit('conformance', 'putComposite', ['asset', JSON.stringify([owner, id]), `${owner}-${id}`]);
    }
    const alice = JSON.parse((await h.invoke('conformance', 'partial', ['asset', '["alice"]'])).text);
    expect(alice).toEqual([
      { objectType: 'asset', attributes: ['alice', '1'], value: 'alice-1' },
      { objectType: 'asset', attributes: ['alice', '2'], value: 'alice-2' },
    ]);
    const page = JSON.parse(
      (await h.invoke('conformance', 'partialPage', ['asset', '[]', '2', ''], { readOnly: true })).text,
    );
    expect(page.results.map((r: { value: string }) => r.value)).toEqual(['alice-1', 'alice-2']);
    expect(page.metadata.fetchedRecordsCount).toBe(2);
    expect(page.metadata.bookmark).not.toBe('');
  });

  it('runs rich queries over JSON values, with and without pagination', async () => {
    await h.submit('conformance', 'put', ['doc1', JSON.stringify({ type: 'key', size: 256 })]);
    await h.submit('conformance', 'put', ['doc2', JSON.stringify({ type: 'key', size: 128 })]);
    await h.submit('conformance', 'put', ['doc3', JSON.stringify({ type: 'cert', size: 256 })]);
    const keys = JSON.parse(
      (await h.invoke('conformance', 'query', [JSON.stringify({ selector: { type: 'key' } })])).text,
    );
    expect(keys.map((r: { key: string }) => r.key)).toEqual(['doc1', 'doc2']);
    const page = JSON.parse(
      (
        await h.invoke(
          'conformance',
          'queryPage',
          [JSON.stringify({ selector: { size: { $gte: 256 } } }), '1', ''],
          { readOnly: true },
        )
      ).text,
    );
    expect(page.results.map((r: { key: string }) => r.key)).toEqual(['doc1']);
    expect(page.metadata).toEqual({ fetchedRecordsCount: 1, bookmark: 'doc3' });
  });

  it('returns key history newest first, with deletes and transaction timestamps', async () => {
    const tx1 = await h.invoke('conformance', 'put', ['hist', 'v1'], { commit: true });
    const tx2 = await h.invoke('conformance', 'put', ['hist', 'v2'], { commit: true });
    const tx3 = await h.invoke('conformance', 'del', ['hist'], { commit: true });
    const history = JSON.parse((await h.invoke('conformance', 'history', ['hist'])).text);
    expect(
      history.map((m: { txId: string; value: string; isDelete: boolean }) => [m.txId, m.value, m.isDelete]),
    ).toEqual([
      [tx3.txId, '', true],
      [tx2.txId, 'v2', false],
      [tx1.txId, 'v1', false],
    ]);
    expect(history[0].seconds).toBeGreaterThan(1_700_000_000);
  });

  it('sets and reads key-level endorsement policies (state metadata VALIDATION_PARAMETER)', async () => {
    await h.submit('conformance', 'put', ['guarded', 'v']);
    const set = await h.invoke('conformance', 'setKeyPolicy', ['guarded', '["Org2MSP","Org1MSP"]'], {
      commit: true,
    });
    const metadata = set.simulator.metadataWrites.get('conformance')?.get('guarded');
    expect([...(metadata?.keys() ?? [])]).toEqual(['VALIDATION_PARAMETER']);
    expect((await h.invoke('conformance', 'getKeyPolicy', ['guarded'])).text).toBe('["Org1MSP","Org2MSP"]');
    expect((await h.invoke('conformance', 'getKeyPolicy', ['unguarded'])).text).toBe('[]');
  });

  it('handles private data: put (also from transient data), get, hash, range, query, delete, purge, key policy', async () => {
    await h.submit('conformance', 'putPrivate', ['secrets', 'p1', '{"level":1}']);
    await h.submit('conformance', 'putPrivateTransient', ['secrets', 'p2'], { value: '{"level":2}' });
    expect((await h.invoke('conformance', 'getPrivate', ['secrets', 'p2'])).text).toBe('{"level":2}');
    expect((await h.invoke('conformance', 'privateHash', ['secrets', 'p1'])).text).toBe(
      createHash('sha256').update('{"level":1}').digest('hex'),
    );
    expect((await h.invoke('conformance', 'privateHash', ['secrets', 'none'])).text).toBe('');
    const ranged = JSON.parse((await h.invoke('conformance', 'privateRange', ['secrets', 'p', 'q'])).text);
    expect(ranged.map((r: { key: string }) => r.key)).toEqual(['p1', 'p2']);
    const queried = JSON.parse(
      (await h.invoke('conformance', 'privateQuery', ['secrets', '{"selector":{"level":2}}'])).text,
    );
    expect(queried).toEqual([{ key: 'p2', value: '{"level":2}' }]);
    const queryThenPut = await h.invoke('conformance', 'privateQueryThenPut', [
      'secrets',
      '{"selector":{"level":2}}',
      'w',
    ]);
    expect(queryThenPut.result.message).toBe(
      `PUT_STATE failed: transaction ID: ${queryThenPut.txId}: txid [${queryThenPut.txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
    );
    const deleted = await h.invoke('conformance', 'delPrivate', ['secrets', 'p1']);
    expect(deleted.simulator.writtenPrivate('conformance', 'secrets', 'p1')).toBeNull();
    const purged = await h.invoke('conformance', 'purgePrivate', ['secrets', 'p1'], { commit: true });
    expect([...(purged.simulator.purges.get('conformance\u0000secrets') ?? [])]).toEqual(['p1']);
    expect(h.ledger.committedPrivate('conformance', 'secrets', 'p1')).toBeUndefined();
    await h.submit('conformance', 'setPrivateKeyPolicy', ['secrets', 'p2', '["Org3MSP"]']);
    expect((await h.invoke('conformance', 'getPrivateKeyPolicy', ['secrets', 'p2'])).text).toBe(
      '["Org3MSP"]',
    );
  });

  it('gives the chaincode transient data, events, creator, tx id, channel, timestamp, binding and peer MSP id', async () => {
    expect((await h.invoke('conformance', 'transient', ['otp'], { transient: { otp: '123456' } })).text).toBe(
      '123456',
    );
    const emitted = await h.invoke('conformance', 'emit', ['KeyRotated', '{"v":2}']);
    expect(emitted.result.event).toEqual({
      chaincodeId: 'conformance',
      txId: emitted.txId,
      eventName: 'KeyRotated',
      payload: expect.any(Uint8Array),
    });
    expect(Buffer.from(emitted.result.event?.payload ?? []).toString()).toBe('{"v":2}');
    const { text, txId } = await h.invoke('conformance', 'identity');
    const identity = JSON.parse(text);
    expect(identity).toMatchObject({
      clientMspId: 'Org1MSP',
      creatorMspId: 'Org1MSP',
      txId,
      channelId: CHANNEL,
      timestampSeconds: 1_700_000_000,
      args: ['conformance:identity'],
    });
    expect(identity.clientId).toMatch(/^x509::.*CN=User1.*::.*CN=devnet test CA/);
    expect(identity.binding).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.invoke('conformance', 'peerMspId')).text).toBe('Org1MSP');
  });

  it('calls another chaincode with the same simulator and txid, and reports Fabric errors for bad targets', async () => {
    const call = await h.invoke('conformance', 'invoke', ['other', '["conformance:put","c2c","1"]', '']);
    expect(JSON.parse(call.text)).toEqual({ status: 200, message: '', payload: 'c2c' });
    expect(call.simulator.written('other', 'c2c')).toBe('1');
    expect(call.simulator.written('conformance', 'c2c')).toBeUndefined();

    const failing = await h.invoke('conformance', 'invoke', [
      'other',
      '["conformance:fail","inner failure"]',
      '',
    ]);
    expect(JSON.parse(failing.text)).toEqual({ status: 500, message: 'inner failure', payload: '' });

    const unknown = await h.invoke('conformance', 'invoke', ['nope', '["f"]', '']);
    expect(unknown.result).toMatchObject({
      status: 500,
      message: `INVOKE_CHAINCODE failed: transaction ID: ${unknown.txId}: execute failed: chaincode nope is not registered with the devnet`,
    });
    const otherChannel = await h.invoke('conformance', 'invoke', [
      'other',
      '["conformance:get","x"]',
      'otherchannel',
    ]);
    expect(otherChannel.result.message).toBe(
      `INVOKE_CHAINCODE failed: transaction ID: ${otherChannel.txId}: failed to find ledger for channel: otherchannel`,
    );
    const itself = await h.invoke('conformance', 'invoke', ['conformance', '["conformance:get","x"]', '']);
    expect(itself.result.message).toBe(
      `INVOKE_CHAINCODE failed: transaction ID: ${itself.txId}: execute failed: error sending: txid: ${itself.txId}(${CHANNEL}) exists`,
    );
  });

  it('reports chaincode errors, unknown functions and unknown contracts as status 500 with the contract API messages', async () => {
    expect((await h.invoke('conformance', 'fail', ['asset 7 is locked'])).result).toMatchObject({
      status: 500,
      message: 'asset 7 is locked',
    });
    expect((await h.invoke('conformance', 'nope')).result).toMatchObject({
      status: 500,
      message: "You've asked to invoke a function that does not exist: conformance:nope",
    });
    expect((await h.invoke('conformance', 'nocontract:f')).result).toMatchObject({
      status: 500,
      message: 'Contract name is not known: nocontract',
    });
  });

  it('runs Init as INIT and refuses private data there', async () => {
    expect(
      (await h.invoke('conformance', 'put', ['initialised', 'yes'], { isInit: true })).result.status,
    ).toBe(200);
    const privateInInit = await h.invoke('conformance', 'putPrivate', ['secrets', 'k', 'v'], {
      isInit: true,
    });
    expect(privateInInit.result.message).toBe(
      `PUT_STATE failed: transaction ID: ${privateInInit.txId}: private data APIs are not allowed in chaincode Init()`,
    );
  });

  it('gives different results for the same proposal from a non-deterministic function', async () => {
    const proposal = h.proposal('conformance', 'nondeterministic', []);
    const run = async (): Promise<string> => {
      const result = await h.support.execute({
        channelId: CHANNEL,
        txId: proposal.txId,
        chaincodeName: 'conformance',
        args: proposal.args,
        signedProposal: proposal.signedProposal,
        simulator: h.ledger.newSimulator(proposal.txId),
      });
      return Buffer.from(result.payload).toString();
    };
    const [first, second] = await Promise.all([run(), run()]);
    expect(first).not.toBe(second);
  });

  it('runs many transactions concurrently on one stream', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => h.invoke('conformance', 'put', [`concurrent${i}`, String(i)])),
    );
    results.forEach(({ simulator, result }, i) => {
      expect(result.status).toBe(200);
      expect(simulator.written('conformance', `concurrent${i}`)).toBe(String(i));
    });
  });

  it("fails a transaction that runs too long with Fabric's timeout text", async () => {
    await expect(h.invoke('conformance', 'sleep', ['20000'])).rejects.toThrow(
      new ChaincodeExecutionError('timeout expired while executing transaction'),
    );
    expect((await h.invoke('conformance', 'get', ['doc1'])).result.status).toBe(200);
  });

  it('fails in-flight transactions with "chaincode stream terminated" when the process dies, then relaunches it', async () => {
    const before = h.support.info('conformance');
    await expect(h.invoke('conformance', 'crash')).rejects.toThrow(
      new ChaincodeExecutionError('chaincode stream terminated'),
    );
    await untilNotReady(h, 'conformance');
    // the next invocation starts the same launch spec again and waits for it to register, as a peer does
    expect((await h.invoke('conformance', 'get', ['doc1'])).text).toContain('"size":256');
    const after = h.support.info('conformance');
    expect(after).toMatchObject({ ready: true, ccid: before?.ccid, restarts: 1 });
    expect(after?.pid).not.toBe(before?.pid);
  });

  it('relaunches once for many invocations that find the chaincode dead (kill -9)', async () => {
    const before = h.support.info('conformance');
    process.kill(before?.pid as number, 'SIGKILL');
    await untilNotReady(h, 'conformance');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => h.invoke('conformance', 'get', ['doc1'])),
    );
    expect(results.map((r) => r.result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(h.support.info('conformance')?.restarts).toBe((before?.restarts ?? 0) + 1);
    const log = await fs.readFile(path.join(h.dataDir, 'conformance.log'), 'utf8');
    expect(log.split('\n').filter((line) => line.includes(`launching ${ccid}`))).toHaveLength(3);
  });

  it('redeploys (relaunches) in one call, stopping the old process first', async () => {
    const running = h.support.info('conformance');
    const again = await h.support.launch({
      name: 'conformance',
      path: FIXTURE_PATH,
      peerAddress: h.address,
      logDir: h.dataDir,
    });
    expect(again.ccid).toBe(ccid);
    expect(again.pid).not.toBe(running?.pid);
    expect(() => process.kill(running?.pid as number, 0)).toThrow();
    expect((await h.invoke('conformance', 'get', ['doc1'])).result.status).toBe(200);
    expect(h.support.info('conformance')?.restarts).toBe(0);
  }, 30_000);
});

/** Waits until the runtime has seen the chaincode's stream end (the exit of its process is reported asynchronously). */
async function untilNotReady(h: RuntimeHarness, name: string): Promise<void> {
  while (h.support.isReady(name)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('relaunch of a chaincode that crashes on start', () => {
  let h: RuntimeHarness;
  let marker: string;
  let clock = 1_000_000;

  beforeAll(async () => {
    h = await RuntimeHarness.start({
      startupTimeoutMs: 20_000,
      relaunchBackoff: { initialMs: 10_000, maxMs: 40_000, now: () => clock },
    });
    marker = path.join(h.dataDir, 'exit-at-start');
    await h.support.launch({
      name: 'flaky',
      path: FIXTURE_PATH,
      peerAddress: h.address,
      logDir: h.dataDir,
      env: { DEVNET_FIXTURE_EXIT_AT_START_IF: marker },
    });
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  it('fails with the reason, backs off instead of relaunching on every invocation, and recovers after the back-off', async () => {
    await fs.writeFile(marker, '');
    process.kill(h.support.info('flaky')?.pid as number, 'SIGKILL');
    await untilNotReady(h, 'flaky');

    const first = (await h.invoke('flaky', 'get', ['k']).catch((error: unknown) => error)) as Error;
    expect(first).toBeInstanceOf(ChaincodeUnavailableError);
    expect(first.message).toMatch(
      /^could not launch chaincode flaky:[0-9a-f]{64}: chaincode flaky exited \(code 3\) before registering/,
    );
    expect(first.message).toContain('exists, exiting before registering');

    // within the back-off: no new process, a clear error saying when it is tried again
    const launchesSoFar = (await launchLines(h, 'flaky')).length;
    const second = (await h
      .invoke('flaky', 'get', ['k'])
      .catch((error: unknown) => error)) as ChaincodeUnavailableError;
    expect(second).toBeInstanceOf(ChaincodeUnavailableError);
    expect(second.message).toContain(
      'it failed to start 1 time in a row (chaincode flaky exited (code 3) before registering)',
    );
    expect(second.message).toContain('not relaunched for another 10 s');
    expect(second.retryAfterMs).toBe(10_000);
    expect(await launchLines(h, 'flaky')).toHaveLength(launchesSoFar);

    // the back-off doubles after each failed start
    clock += 10_000;
    await expect(h.invoke('flaky', 'get', ['k'])).rejects.toThrow(/exited \(code 3\) before registering/);
    await expect(h.invoke('flaky', 'get', ['k'])).rejects.toThrow('not relaunched for another 20 s');

    // fixed: the next attempt after the back-off starts it and the invocation runs
    await fs.rm(marker);
    clock += 20_000;
    expect((await h.invoke('flaky', 'get', ['k'])).result.status).toBe(200);
    expect(h.support.info('flaky')).toMatchObject({ ready: true, restarts: 3 });
  }, 60_000);
});

async function launchLines(h: RuntimeHarness, name: string): Promise<string[]> {
  const log = await fs.readFile(path.join(h.dataDir, `${name}.log`), 'utf8');
  return log.split('\n').filter((line) => line.startsWith('=== ') && line.includes(' launching '));
}

describe('launch failures', () => {
  let h: RuntimeHarness;
  let folder: string;

  beforeAll(async () => {
    h = await RuntimeHarness.start({ startupTimeoutMs: 20_000 });
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-broken-cc-'));
  });

  afterAll(async () => {
    await h.close();
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('rejects with the end of the chaincode log when the process exits before registering', async () => {
    await fs.writeFile(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: 'broken', version: '1.0.0', main: 'index.js' }),
    );
    await fs.writeFile(
      path.join(folder, 'index.js'),
      "throw new Error('broken chaincode: missing configuration');\n",
    );
    const launch = h.support.launch({
      name: 'broken',
      path: folder,
      peerAddress: h.address,
      logDir: h.dataDir,
    });
    await expect(launch).rejects.toThrow(ChaincodeLaunchError);
    await expect(launch).rejects.toThrow(
      /chaincode broken exited \(code 1\) before registering[\s\S]*broken chaincode: missing configuration/,
    );
    expect(h.support.info('broken')).toBeUndefined();
    expect(existsSync(path.join(h.dataDir, 'broken.log'))).toBe(true);
  }, 30_000);
});

describe('chaincode log files', () => {
  let h: RuntimeHarness;

  beforeAll(async () => {
    h = await RuntimeHarness.start();
  });

  afterAll(async () => {
    await h.close();
  });

  it('cap the log at its size with one rotated file, whatever the chaincode prints', async () => {
    const maxBytes = 16 * 1024;
    await h.support.launch({
      name: 'loud',
      path: FIXTURE_PATH,
      peerAddress: h.address,
      logDir: h.dataDir,
      logMaxBytes: maxBytes,
    });
    expect((await h.invoke('loud', 'shout', ['2000', 'a line of chaincode output'])).text).toBe('2000');
    // stop the process so that everything it printed has reached the file
    await h.support.stop('loud');
    const file = path.join(h.dataDir, 'loud.log');
    const [current, rotated] = await Promise.all([fs.stat(file), fs.stat(`${file}.1`)]);
    expect(current.size).toBeLessThanOrEqual(maxBytes);
    expect(rotated.size).toBeLessThanOrEqual(maxBytes);
    expect(existsSync(`${file}.2`)).toBe(false);
    expect(await fs.readFile(file, 'utf8')).toContain('a line of chaincode output 1999');
  });
});
