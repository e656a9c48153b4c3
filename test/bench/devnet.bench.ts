/*
 * Devnet benchmark: prints figures, asserts nothing. Run from the repository root:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/devnet.bench.ts [--quick]
 * Figures: cold start to first committed transaction; submit→commit throughput and p50/p95 latency at
 * concurrency 1 and 20; evaluate throughput; beside them baselines from the same run (raw gRPC unary round
 * trip on loopback, raw node:crypto ECDSA P-256 sign/verify, the fabric-gateway client against a server with fixed
 * answers) so the numbers can be read on a noisy machine, and the CPU each process spent per operation.
 * Goals (2-core machine): ≥ 500 submits/s at concurrency 20, p50 ≤ 15 ms at concurrency 1, ≥ 2,000
 * evaluates/s, cold start ≤ 1.5 s. Every loop is bounded in count and time; only 127.0.0.1 is used.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { startDevnet, type Devnet } from '../../network/devnet/src';
import { startCannedGateway } from './support/cannedGateway';
import { describeStages, row, runPhase, statsOf, type Stats } from './support/load';
import { LoadClient, type LoadClientSetup, type LoadJob } from './support/loadClient';
import { CpuMeter, describeCpu } from './support/processCpu';

const QUICK = process.argv.includes('--quick');
const FIXTURE = path.resolve(__dirname, '..', '..', 'network', 'devnet', 'test', 'fixtures', 'chaincode');
const MAX_PHASE_MS = QUICK ? 5_000 : 20_000;
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
  const measure = async (concurrency: number, total: number): Promise<Stats> =>
    statsOf(await runPhase(concurrency, total, MAX_PHASE_MS, call));
  await measure(1, 200);
  const sequential = await measure(1, QUICK ? 500 : 2000);
  const concurrent = await measure(20, QUICK ? 2000 : 10000);
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

/** A phase's figures and the CPU each process spent on it (ms). */
interface Measured {
  readonly stats: Stats;
  readonly cpu: ReadonlyMap<string, number>;
  /** Mean ms per operation in each client-side stage (submits only). */
  readonly stages?: Readonly<Record<string, number>>;
}

function printMeasured(name: string, measured: Measured, goal = ''): void {
  console.log(row(name, measured.stats, goal));
  console.log(describeCpu(measured.cpu, measured.stats.count, measured.stats.seconds));
  if (measured.stages)
    console.log(`  time per op (mean ms, client side): ${describeStages(measured.stages)}`);
}

function cpuPerOp(measured: Measured, name: string): number | undefined {
  const ms = measured.cpu.get(name);
  return ms === undefined || measured.stats.count === 0 ? undefined : ms / measured.stats.count;
}

/**
 * What the cores allow: as measured (all three processes), and if the devnet cost nothing — the client alone
 * (fixed answers) plus the chaincode process as measured. A goal above the second figure cannot be met by any
 * gateway on this machine with this client and this chaincode runtime.
 */
function printCeiling(kind: string, devnetPhase: Measured, clientAlone: Measured): void {
  const cores = os.cpus().length;
  const all = [...devnetPhase.cpu.values()].reduce((sum, ms) => sum + ms, 0) / devnetPhase.stats.count;
  const client = cpuPerOp(clientAlone, 'client');
  const chaincode = cpuPerOp(devnetPhase, 'chaincode');
  if (client === undefined || chaincode === undefined || !Number.isFinite(all)) {
    console.log(`  ${kind}: (CPU per process not available)`);
    return;
  }
  console.log(
    `  ${kind.padEnd(9)} as measured ${all.toFixed(2)} ms/op → ${((cores * 1000) / all).toFixed(0)} /s;` +
      ` with a devnet costing nothing (client alone ${client.toFixed(2)} + chaincode ${chaincode.toFixed(2)} ms/op)` +
      ` → ${((cores * 1000) / (client + chaincode)).toFixed(0)} /s`,
  );
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
      '(load comes from a fabric-gateway client in its own process; CPU per op is read from /proc for each process)\n',
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
    const setup: LoadClientSetup = {
      endpoint: devnet.endpoint,
      tlsCaCertPem: devnet.material.tls.caCertPem,
      mspId: user.mspId,
      certPem: user.certPem,
      keyPem: user.keyPem,
      channelId: devnet.channelId,
      chaincode: 'bench',
    };
    const chaincodePid = devnet.status().chaincodes.find((c) => c.name === 'bench')?.pid;
    const load = await LoadClient.start(setup);
    closers.push(() => void load.close());
    /** One phase from the load client, with the CPU each process spent on it. */
    const phase = async (job: Omit<LoadJob, 'maxMs'>): Promise<Measured> => {
      const pids = new Map([
        ['devnet', process.pid],
        ['chaincode', chaincodePid ?? 0],
        ['client', load.pid],
      ]);
      const meter = new CpuMeter(pids);
      const result = await load.run({ ...job, maxMs: MAX_PHASE_MS });
      return {
        stats: statsOf(result),
        cpu: meter.used(),
        ...(result.stages ? { stages: result.stages } : {}),
      };
    };
    await phase({ kind: 'submit', concurrency: 4, total: 100, prefix: 'warm' });
    const c1 = await phase({ kind: 'submit', concurrency: 1, total: QUICK ? 100 : 400, prefix: 'c1' });
    const c20 = await phase({ kind: 'submit', concurrency: 20, total: QUICK ? 1000 : 4000, prefix: 'c20' });
    const ev = await phase({ kind: 'evaluate', concurrency: 20, total: QUICK ? 2000 : 8000, prefix: 'c20' });
    const ev1 = await phase({ kind: 'evaluate', concurrency: 1, total: QUICK ? 200 : 1000, prefix: 'c1' });
    const height = devnet.status().height;

    // The client on its own: the same client process, TLS and calls against a server whose answers are fixed.
    const prepared = await contract.newProposal('put', { arguments: ['floor', 'tx'] }).endorse();
    const canned = await startCannedGateway(devnet.material.tls, prepared.getBytes());
    closers.push(() => canned.close());
    const floorClient = await LoadClient.start({ ...setup, endpoint: canned.endpoint });
    closers.push(() => void floorClient.close());
    const floor = async (kind: LoadJob['kind'], total: number): Promise<Measured> => {
      // this process answers (the devnet in it is idle meanwhile)
      const meter = new CpuMeter(
        new Map([
          ['client', floorClient.pid],
          ['server', process.pid],
        ]),
      );
      const stats = statsOf(
        await floorClient.run({ kind, concurrency: 20, total, maxMs: MAX_PHASE_MS, prefix: 'floor' }),
      );
      return { stats, cpu: meter.used() };
    };
    await floor('evaluate', 500);
    const evFloor = await floor('evaluate', QUICK ? 2000 : 8000);
    const submitFloor = await floor('submit', QUICK ? 1000 : 4000);

    const rpc = await grpcBaseline();
    const crypto = cryptoBaseline();

    console.log(
      'devnet (real fabric-gateway client in its own process, TLS, MAJORITY of 3 orgs = 2 endorsements per submit)',
    );
    printMeasured('submit→commit, concurrency 1', c1, 'p50 ≤ 15 ms');
    printMeasured('submit→commit, concurrency 20', c20, '≥ 500 /s');
    printMeasured('evaluate, concurrency 20', ev, '≥ 2000 /s');
    printMeasured('evaluate, concurrency 1', ev1);
    console.log(`  blocks committed: ${height}\n`);
    console.log('baselines (same run)');
    printMeasured('client alone: evaluate c20, fixed answers', evFloor);
    printMeasured('client alone: submit c20, fixed answers', submitFloor);
    console.log(row('raw gRPC unary echo (plaintext), concurrency 1', rpc.sequential));
    console.log(row('raw gRPC unary echo (plaintext), concurrency 20', rpc.concurrent));
    console.log(
      `${'node:crypto ECDSA P-256 sign'.padEnd(44)} ${crypto.signPerSecond.toFixed(0).padStart(8)} /s`,
    );
    console.log(
      `${'node:crypto ECDSA P-256 verify'.padEnd(44)} ${crypto.verifyPerSecond.toFixed(0).padStart(8)} /s`,
    );
    console.log('\nceilings on this machine (CPU only, every core 100 % busy)');
    printCeiling('evaluate', ev, evFloor);
    printCeiling('submit', c20, submitFloor);
  } finally {
    for (const close of closers.reverse()) close();
    await devnet?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
