/* The load-generating process behind LoadClient: a real fabric-gateway client, one job at a time. */
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { channelCredentials, nativeSigner } from '../../../network/devnet/src/connection';
import { runPhase } from './load';
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

async function run(job: LoadJob, contract: Contract): Promise<LoadClientReply> {
  const op =
    job.kind === 'submit'
      ? (i: number): Promise<unknown> => contract.submitTransaction('put', `${job.prefix}-${i}`, 'value')
      : (i: number): Promise<unknown> => contract.evaluateTransaction('get', `${job.prefix}-${i % 100}`);
  return { result: await runPhase(job.concurrency, job.total, job.maxMs, op) };
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
