/* The load-generating process behind LoadClient: a real fabric-gateway client, one job at a time. */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { channelCredentials, nativeSigner } from '../../../network/devnet/src/connection';
import { runPhase, StageClock } from './load';
import type { LoadClientReply, LoadClientRequest, LoadClientSetup, LoadJob } from './loadClient';

let connection: { client: grpc.Client; gateway: Gateway; contract: Contract } | undefined;

function open(setup: LoadClientSetup): NonNullable<typeof connection> {
  const client = new grpc.Client(setup.endpoint, channelCredentials(setup.tlsCaCertPem), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const gateway = connect({
    client,
    identity: { mspId: setup.mspId, credentials: Buffer.from(setup.certPem) },
    signer: nativeSigner(setup.keyPem),
    hash: hash.none,
  });
  return { client, gateway, contract: gateway.getNetwork(setup.channelId).getContract(setup.chaincode) };
}

/**
 * What `submitTransaction` does, step by step with the same client calls, so the time of each step is known:
 * endorse, submit to the orderer, wait for the commit status.
 */
async function submitInStages(contract: Contract, key: string, clock: StageClock): Promise<void> {
  const t0 = performance.now();
  const transaction = await contract.newProposal('put', { arguments: [key, 'value'] }).endorse();
  const t1 = performance.now();
  const commit = await transaction.submit();
  const t2 = performance.now();
  const status = await commit.getStatus();
  const t3 = performance.now();
  if (!status.successful) throw new Error(`transaction ${status.transactionId} committed as ${status.code}`);
  clock.add({ endorse: t1 - t0, submit: t2 - t1, 'commit status': t3 - t2 });
}

async function run(job: LoadJob, contract: Contract): Promise<LoadClientReply> {
  if (job.kind === 'submit') {
    const clock = new StageClock();
    const result = await runPhase(job.concurrency, job.total, job.maxMs, (i) =>
      submitInStages(contract, `${job.prefix}-${i}`, clock),
    );
    return { result: { ...result, stages: clock.means() } };
  }
  const evaluate = (i: number): Promise<unknown> =>
    contract.evaluateTransaction('get', `${job.prefix}-${i % 100}`);
  return { result: await runPhase(job.concurrency, job.total, job.maxMs, evaluate) };
}

function reply(message: LoadClientReply): void {
  process.send?.(message);
}

process.on('message', (request: LoadClientRequest) => {
  if (request === 'close') {
    connection?.gateway.close();
    connection?.client.close();
    process.disconnect();
    return;
  }
  if ('setup' in request) {
    connection = open(request.setup);
    reply({ ready: true });
    return;
  }
  if (!connection) {
    reply({ error: 'no setup before the job' });
    return;
  }
  run(request.job, connection.contract).then(reply, (err: unknown) =>
    reply({ error: err instanceof Error ? err.message : String(err) }),
  );
});
