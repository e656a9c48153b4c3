/*
 * Devnet benchmark: prints figures, asserts nothing. Run from the repository root:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/devnet.bench.ts [--quick]
 * Figures: cold start to first committed transaction; submit→commit throughput and p50/p95 latency at
 * concurrency 1 and 20; evaluate throughput; beside them baselines from the same run (raw gRPC unary round
 * trip on loopback, raw node:crypto ECDSA P-256 sign/verify) so the numbers can be read on a noisy machine.
 * Goals (2-core machine): ≥ 500 submits/s at concurrency 20, p50 ≤ 15 ms at concurrency 1, ≥ 2,000
 * evaluates/s, cold start ≤ 1.5 s. Every loop is bounded in count and time; only 127.0.0.1 is used.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { startDevnet, type Devnet } from '../../network/devnet/src';
import { channelCredentials, nativeSigner } from '../../network/devnet/src/connection';

const REGISTER = path.resolve(__dirname, '..', '..', 'network', 'devnet', 'test', 'devnet', 'ts-register.js');

const QUICK = process.argv.includes('--quick');
const FIXTURE = path.resolve(__dirname, '..', '..', 'network', 'devnet', 'test', 'fixtures', 'chaincode');
const MAX_PHASE_MS = QUICK ? 5_000 : 20_000;
const WORKERS = 1;

interface Stats {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function statsOf(latencies: number[], seconds: number): Stats {
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

/** Runs `op` from `concurrency` callers until `total` operations or the time limit; returns latencies (ms). */
async function run(
  concurrency: number,
  total: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  const deadline = began + MAX_PHASE_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && performance.now() < deadline) {
        const i = next++;
        const start = performance.now();
        await op(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - began) / 1000 };
}

async function measure(
  concurrency: number,
  total: number,
  op: (i: number) => Promise<unknown>,
): Promise<Stats> {
  const { latencies, seconds } = await run(concurrency, total, op);
  return statsOf(latencies, seconds);
}

/** What a load-generating worker thread needs to connect as an organisation's user. */
interface WorkerSetup {
  readonly endpoint: string;
  readonly tlsCaCertPem: string;
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly channelId: string;
  readonly chaincode: string;
}

interface WorkerJob {
  readonly kind: 'submit' | 'evaluate';
  readonly concurrency: number;
  readonly total: number;
  readonly prefix: string;
}

/** Worker thread body: a fabric-gateway client in its own thread, so client CPU does not compete with the devnet's. */
function workerMain(): void {
  const setup = workerData as WorkerSetup;
  const client = new grpc.Client(setup.endpoint, channelCredentials(setup.tlsCaCertPem), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fabric = require('@hyperledger/fabric-gateway') as typeof import('@hyperledger/fabric-gateway');
  const gateway = fabric.connect({
    client,
    identity: { mspId: setup.mspId, credentials: Buffer.from(setup.certPem) },
    signer: nativeSigner(setup.keyPem),
    hash: fabric.hash.none,
  });
  const contract = gateway.getNetwork(setup.channelId).getContract(setup.chaincode);
  parentPort?.on('message', (job: WorkerJob | 'close') => {
    if (job === 'close') {
      gateway.close();
      client.close();
      parentPort?.close();
      return;
    }
    const op =
      job.kind === 'submit'
        ? (i: number) => contract.submitTransaction('put', `${job.prefix}-${i}`, 'value')
        : (i: number) => contract.evaluateTransaction('get', `${job.prefix}-${i % 100}`);
    void run(job.concurrency, job.total, op).then((result) => parentPort?.postMessage(result));
  });
}

/** Client load from worker threads; latencies merged. */
class LoadGenerators {
  readonly #workers: Worker[];

  constructor(count: number, setup: WorkerSetup) {
    const code = `require(${JSON.stringify(REGISTER)}); require(${JSON.stringify(__filename)});`;
    this.#workers = Array.from({ length: count }, () => new Worker(code, { eval: true, workerData: setup }));
  }

  async measure(kind: WorkerJob['kind'], concurrency: number, total: number, prefix: string): Promise<Stats> {
    const perWorker = Math.max(1, Math.floor(concurrency / this.#workers.length));
    const results = await Promise.all(
      this.#workers.map(
        (worker, index) =>
          new Promise<{ latencies: number[]; seconds: number }>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            const job: WorkerJob = {
              kind,
              concurrency: perWorker,
              total: Math.ceil(total / this.#workers.length),
              prefix: `${prefix}-w${index}`,
            };
            worker.postMessage(job);
          }),
      ),
    );
    return statsOf(
      results.flatMap((r) => r.latencies),
      Math.max(...results.map((r) => r.seconds)),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map((worker) => {
        worker.postMessage('close');
        return worker.terminate();
      }),
    );
  }
}

function row(name: string, stats: Stats, goal = ''): string {
  return `${name.padEnd(44)} ${stats.perSecond.toFixed(0).padStart(8)} /s   p50 ${stats.p50.toFixed(2).padStart(7)} ms   p95 ${stats.p95.toFixed(2).padStart(7)} ms   (n=${stats.count})${goal ? `   goal ${goal}` : ''}`;
}

/** Raw gRPC unary echo on loopback: the transport floor of any gateway call. */
async function grpcBaseline(): Promise<{ sequential: Stats; concurrent: Stats }> {
  const identity = (value: Buffer): Buffer => value;
  const definition: grpc.ServiceDefinition = {
    echo: {
      path: '/bench.Echo/Echo',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  const server = new grpc.Server();
  server.addService(definition, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, call.request),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const Client = grpc.makeGenericClientConstructor(definition, 'Echo');
  const client = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & {
    echo(request: Buffer, callback: (err: grpc.ServiceError | null, value?: Buffer) => void): void;
  };
  const payload = Buffer.alloc(2048, 1);
  const call = (): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) =>
      client.echo(payload, (err, value) => (err ? reject(err) : resolve(value))),
    );
  await measure(1, 200, call);
  const sequential = await measure(1, QUICK ? 500 : 2000, call);
  const concurrent = await measure(20, QUICK ? 2000 : 10000, call);
  client.close();
  server.forceShutdown();
  return { sequential, concurrent };
}

/** Raw ECDSA P-256 (SHA-256) sign and verify: the crypto floor of a transaction. */
function cryptoBaseline(): { signPerSecond: number; verifyPerSecond: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.alloc(1024, 7);
  const n = QUICK ? 500 : 2000;
  let start = performance.now();
  let signature = sign('sha256', message, privateKey);
  for (let i = 0; i < n; i++) signature = sign('sha256', message, privateKey);
  const signPerSecond = n / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let i = 0; i < n; i++) verify('sha256', message, publicKey, signature);
  const verifyPerSecond = n / ((performance.now() - start) / 1000);
  return { signPerSecond, verifyPerSecond };
}

async function main(): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-bench-'));
  let devnet: Devnet | undefined;
  const closers: (() => void)[] = [];
  try {
    const load1 = os.loadavg()[0] ?? 0;
    console.log(
      `devnet benchmark — ${os.cpus().length} CPU(s), Node ${process.version}${QUICK ? ' (quick)' : ''}, load average ${load1.toFixed(2)}`,
    );
    console.log(
      '(concurrency-20 phases run the fabric-gateway client in a worker thread; concurrency 1 in the main thread)\n',
    );

    // Cold start: a new data folder (crypto material generated), deploy, first committed transaction.
    const t0 = performance.now();
    devnet = await startDevnet({ dataDir, port: 0, orgs: 3 });
    const tStarted = performance.now();
    await devnet.deploy('bench', FIXTURE);
    const tDeployed = performance.now();
    const connection = devnet.connection(1);
    const client = connection.client;
    const gateway: Gateway = connect(connection);
    closers.push(() => {
      gateway.close();
      client.close();
    });
    const contract: Contract = gateway.getNetwork(devnet.channelId).getContract('bench');
    await contract.submitTransaction('put', 'first', 'tx');
    const tFirst = performance.now();
    console.log('cold start (new data folder, 3 orgs)');
    console.log(`  start devnet                 ${(tStarted - t0).toFixed(0).padStart(6)} ms`);
    console.log(`  deploy chaincode (process)   ${(tDeployed - tStarted).toFixed(0).padStart(6)} ms`);
    console.log(`  first submit→commit          ${(tFirst - tDeployed).toFixed(0).padStart(6)} ms`);
    console.log(
      `  total to first commit        ${(tFirst - t0).toFixed(0).padStart(6)} ms   goal ≤ 1500 ms\n`,
    );

    // Redeploy of a changed chaincode is one call.
    const tRedeploy = performance.now();
    await devnet.deploy('bench', FIXTURE);
    await contract.submitTransaction('put', 'after-redeploy', 'tx');
    console.log(
      `redeploy + first commit        ${(performance.now() - tRedeploy).toFixed(0).padStart(6)} ms\n`,
    );

    const user = devnet.identity(1);
    const load = new LoadGenerators(WORKERS, {
      endpoint: devnet.endpoint,
      tlsCaCertPem: devnet.material.tls.caCertPem,
      mspId: user.mspId,
      certPem: user.certPem,
      keyPem: user.keyPem,
      channelId: devnet.channelId,
      chaincode: 'bench',
    });
    closers.push(() => void load.close());
    await load.measure('submit', 4, 100, 'warm');
    const c1 = await measure(1, QUICK ? 100 : 400, (i) =>
      contract.submitTransaction('put', `c1-${i}`, 'value'),
    );
    const c20 = await load.measure('submit', 20, QUICK ? 1000 : 4000, 'c20');
    const ev = await load.measure('evaluate', 20, QUICK ? 2000 : 8000, 'c20');
    const ev1 = await measure(1, QUICK ? 200 : 1000, (i) =>
      contract.evaluateTransaction('get', `c1-${i % 100}`),
    );
    const height = devnet.status().height;

    const rpc = await grpcBaseline();
    const crypto = cryptoBaseline();

    console.log('devnet (real fabric-gateway client, TLS, MAJORITY of 3 orgs = 2 endorsements per submit)');
    console.log(row('submit→commit, concurrency 1', c1, 'p50 ≤ 15 ms'));
    console.log(row('submit→commit, concurrency 20', c20, '≥ 500 /s'));
    console.log(row('evaluate, concurrency 20', ev, '≥ 2000 /s'));
    console.log(row('evaluate, concurrency 1', ev1));
    console.log(`  blocks committed: ${height}\n`);
    console.log('baselines (same run)');
    console.log(row('raw gRPC unary echo (plaintext), concurrency 1', rpc.sequential));
    console.log(row('raw gRPC unary echo (plaintext), concurrency 20', rpc.concurrent));
    console.log(
      `${'node:crypto ECDSA P-256 sign'.padEnd(44)} ${crypto.signPerSecond.toFixed(0).padStart(8)} /s`,
    );
    console.log(
      `${'node:crypto ECDSA P-256 verify'.padEnd(44)} ${crypto.verifyPerSecond.toFixed(0).padStart(8)} /s`,
    );
    const perTx = 4 / crypto.signPerSecond + 7 / crypto.verifyPerSecond;
    console.log(
      `  a submit costs ≈ 4 signs + 7 verifies (client ×2 + commit status, 2 endorsers; proposal, envelope ×2, endorsements ×2, commit status):` +
        ` ${(perTx * 1000).toFixed(2)} ms of one core → ceiling ≈ ${(os.cpus().length / perTx).toFixed(0)} submits/s on ${os.cpus().length} cores`,
    );
  } finally {
    for (const close of closers) close();
    await devnet?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  workerMain();
}
