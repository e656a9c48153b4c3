import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Contract } from '@hyperledger/fabric-gateway';
import { startTestNetwork, type TestNetwork } from './support';

jest.setTimeout(120_000);

describe('conformance: what the devnet writes to its logs', () => {
  let net: TestNetwork;
  let contract: Contract;

  beforeAll(async () => {
    net = await startTestNetwork();
    contract = net.gateway(1).getNetwork(net.devnet.channelId).getContract('conformance');
  });

  afterAll(async () => {
    await net?.close();
  });

  it('escapes the NUL bytes of a composite key in devnet.log (an MVCC conflict names the key)', async () => {
    const key = '\u0000asset\u0000alice\u00001\u0000';
    await contract.submitTransaction('put', key, 'initial');
    const first = await contract.newProposal('putThenGet', { arguments: [key, 'a'] }).endorse();
    const second = await contract.newProposal('putThenGet', { arguments: [key, 'b'] }).endorse();
    await (await first.submit()).getStatus();
    expect((await (await second.submit()).getStatus()).code).toBe(11);

    const log = await fs.readFile(path.join(net.dataDir, 'logs', 'devnet.log'));
    expect(log.includes(0)).toBe(false);
    expect(log.toString('utf8')).toContain(
      `${second.getTransactionId()} invalid: MVCC_READ_CONFLICT — mvcc conflict on key [\\u0000asset\\u0000alice\\u00001\\u0000]`,
    );
  });

  it('runs the chaincode at log level warning: ordinary invocations log nothing, errors still do', async () => {
    for (let i = 0; i < 5; i++) {
      await contract.submitTransaction('put', `quiet-${i}`, 'v');
      await contract.evaluateTransaction('get', `quiet-${i}`);
    }
    await contract.evaluateTransaction('fail', 'logged-failure').catch(() => undefined);
    const text = await fs.readFile(path.join(net.dataDir, 'logs', 'chaincode', 'conformance.log'), 'utf8');
    const shimLines = text.split('\n').filter((line) => line !== '' && !line.startsWith('=== '));
    expect(shimLines.filter((line) => / info /.test(line))).toEqual([]);
    expect(text).not.toContain('succeeded. Sending COMPLETED');
    expect(shimLines.some((line) => / error /.test(line) && line.includes('logged-failure'))).toBe(true);
    expect(text).not.toContain('\u001b[');
  });
});
