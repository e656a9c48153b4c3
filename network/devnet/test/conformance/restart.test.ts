import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { checkpointers, connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { FIXTURE_CHAINCODE, take, utf8 } from './support';

jest.setTimeout(180_000);

const REGISTER = path.resolve(__dirname, '..', 'devnet', 'ts-register.js');
const CLI = path.resolve(__dirname, '..', '..', 'src', 'cli.ts');

interface Profile {
  channel: string;
  endpoint: string;
  tlsCaCertPath: string;
  orgs: { mspId: string; user: { certPath: string; keyPath: string } }[];
}

/** Runs the devnet CLI (TypeScript sources, no build) in a child process. */
function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', REGISTER, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function run(args: string[]): Promise<string> {
  const child = cli(args);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`devnet ${args.join(' ')} exited ${String(code)}: ${out}`);
  return out;
}

/** Starts `devnet start` and resolves once it printed that it is ready. */
async function startDevnetProcess(dataDir: string): Promise<ChildProcess> {
  const child = cli(['start', '--data', dataDir, '--port', '0', '--orgs', '2']);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('✔ devnet ready')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) =>
      reject(new Error(`devnet exited ${String(code)} before it was ready: ${out}`)),
    );
  });
  return child;
}

async function connectAs(profile: Profile, org: number): Promise<{ gateway: Gateway; client: grpc.Client }> {
  const identity = profile.orgs[org - 1];
  if (!identity) throw new Error(`no org ${org}`);
  const tlsRoot = await fs.readFile(profile.tlsCaCertPath);
  const client = new grpc.Client(profile.endpoint, grpc.credentials.createSsl(tlsRoot), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: await fs.readFile(identity.user.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(await fs.readFile(identity.user.keyPath))),
    hash: hash.sha256,
  });
  return { gateway, client };
}

function killProcessTree(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe('conformance: restart after kill -9', () => {
  let dataDir: string;
  const started: number[] = [];

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-restart-'));
  });

  afterAll(async () => {
    killProcessTree(started);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every committed block, state value, history entry and event; clients resume from a checkpoint', async () => {
    const first = await startDevnetProcess(dataDir);
    started.push(first.pid as number);
    await run(['deploy', 'conformance', FIXTURE_CHAINCODE, '--data', dataDir]);
    const status = JSON.parse(await run(['status', '--data', dataDir])) as { chaincodes: { pid?: number }[] };
    const chaincodePid = status.chaincodes[0]?.pid;
    if (chaincodePid) started.push(chaincodePid);

    let profile = JSON.parse(await fs.readFile(path.join(dataDir, 'connection.json'), 'utf8')) as Profile;
    let { gateway, client } = await connectAs(profile, 1);
    let network = gateway.getNetwork(profile.channel);
    let contract = network.getContract('conformance');
    const txIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      await contract.submitTransaction('put', 'durable', `v${i}`);
      await contract.submitTransaction('put', `key-${i}`, `value-${i}`);
      const emitted = await contract.submitAsync('emit', { arguments: ['evt', `event-${i}`] });
      expect((await emitted.getStatus()).successful).toBe(true);
      txIds.push(emitted.getTransactionId());
    }
    const checkpointer = checkpointers.inMemory();
    const events = await network.getChaincodeEvents('conformance', {
      startBlock: 0n,
      checkpoint: checkpointer,
    });
    const seen = await take(events[Symbol.asyncIterator](), 2);
    for (const event of seen) await checkpointer.checkpointChaincodeEvent(event);
    events.close();
    const blocksBefore: string[] = [];
    const blockEvents = await network.getBlockEvents({ startBlock: 0n });
    const blockIterator = blockEvents[Symbol.asyncIterator]();
    for (;;) {
      const next = await blockIterator.next();
      const block = next.value as import('@hyperledger/fabric-protos').common.Block;
      blocksBefore.push(Buffer.from(block.serializeBinary()).toString('base64'));
      if (blocksBefore.length === 1 + 4 * 3) break;
    }
    blockEvents.close();
    gateway.close();
    client.close();

    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    if (chaincodePid) killProcessTree([chaincodePid]);

    const second = await startDevnetProcess(dataDir);
    started.push(second.pid as number);
    profile = JSON.parse(await fs.readFile(path.join(dataDir, 'connection.json'), 'utf8')) as Profile;
    ({ gateway, client } = await connectAs(profile, 2));
    try {
      network = gateway.getNetwork(profile.channel);
      contract = network.getContract('conformance');

      expect(utf8(await contract.evaluateTransaction('get', 'durable'))).toBe('v3');
      for (let i = 0; i < 4; i++)
        expect(utf8(await contract.evaluateTransaction('get', `key-${i}`))).toBe(`value-${i}`);
      const history = JSON.parse(utf8(await contract.evaluateTransaction('history', 'durable'))) as {
        value: string;
      }[];
      expect(history.map((h) => h.value)).toEqual(['v3', 'v2', 'v1', 'v0']);

      const replay = await network.getBlockEvents({ startBlock: 0n });
      const replayIterator = replay[Symbol.asyncIterator]();
      const blocksAfter = (await take(replayIterator, blocksBefore.length)).map((b) =>
        Buffer.from(b.serializeBinary()).toString('base64'),
      );
      replay.close();
      expect(blocksAfter).toEqual(blocksBefore);

      const resumed = await network.getChaincodeEvents('conformance', { checkpoint: checkpointer });
      const rest = await take(resumed[Symbol.asyncIterator](), 2);
      resumed.close();
      expect([...seen, ...rest].map((e) => e.transactionId)).toEqual(txIds);
      expect(rest.map((e) => utf8(e.payload))).toEqual(['event-2', 'event-3']);

      await contract.submitTransaction('put', 'after-restart', 'ok');
      expect(utf8(await contract.evaluateTransaction('get', 'after-restart'))).toBe('ok');
    } finally {
      gateway.close();
      client.close();
    }
    await run(['stop', '--data', dataDir]);
  });
});
