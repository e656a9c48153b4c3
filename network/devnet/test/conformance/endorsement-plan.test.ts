import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EndorseError, type Contract } from '@hyperledger/fabric-gateway';
import { gateway, msp, peer, common } from '@hyperledger/fabric-protos';
import { startTestNetwork, type TestNetwork } from './support';

jest.setTimeout(120_000);

/** MSP ids of the endorsements in a prepared transaction (what the client will submit). */
function endorsingMsps(preparedTransaction: Uint8Array): string[] {
  const envelope = gateway.PreparedTransaction.deserializeBinary(
    preparedTransaction,
  ).getEnvelope() as common.Envelope;
  const transaction = peer.Transaction.deserializeBinary(
    common.Payload.deserializeBinary(envelope.getPayload_asU8()).getData_asU8(),
  );
  const action = peer.ChaincodeActionPayload.deserializeBinary(
    (transaction.getActionsList()[0] as peer.TransactionAction).getPayload_asU8(),
  ).getAction() as peer.ChaincodeEndorsedAction;
  return action
    .getEndorsementsList()
    .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid());
}

/**
 * How the gateway plans endorsements (Fabric's endorse.go planFromFirstEndorser): the gateway's organisation
 * simulates alone first; only if it endorses are the others of the plan asked; one that fails is replaced by
 * another combination that satisfies the policy (MAJORITY of three here).
 */
describe('conformance: endorsement planning, counted by a side effect of each simulation', () => {
  let net: TestNetwork;
  let contract: Contract;
  let dir: string;

  beforeAll(async () => {
    net = await startTestNetwork();
    contract = net.gateway(1).getNetwork(net.devnet.channelId).getContract('conformance');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-simulations-'));
  });

  afterAll(async () => {
    await net?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const simulations = async (file: string): Promise<number> =>
    (await fs.readFile(file, 'utf8')).split('\n').filter((line) => line !== '').length;

  it('asks no other organisation when the first endorser fails (endorse.go:228)', async () => {
    const file = path.join(dir, 'refused');
    const error = await contract
      .submitTransaction('recordThenFail', file, 'refused')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndorseError);
    expect((error as EndorseError).code).toBe(grpc.status.ABORTED);
    expect((error as EndorseError).details.map((d) => d.mspId)).toEqual(['Org1MSP']);
    expect(await simulations(file)).toBe(1);
  });

  it('asks as many as the policy needs when the first endorses', async () => {
    const file = path.join(dir, 'endorsed');
    const transaction = await contract.newProposal('recordCall', { arguments: [file] }).endorse();
    expect(await simulations(file)).toBe(2);
    expect(endorsingMsps(transaction.getBytes())).toEqual(['Org1MSP', 'Org2MSP']);
    expect((await (await transaction.submit()).getStatus()).successful).toBe(true);
  });

  it('replaces an organisation that refuses by another that satisfies the policy (the next layout)', async () => {
    // the second simulation of the proposal (Org2's) refuses; Org3 completes MAJORITY with Org1
    const transaction = await contract
      .newProposal('failSecondCall', { arguments: ['layout-key', 'v'] })
      .endorse();
    expect(endorsingMsps(transaction.getBytes())).toEqual(['Org1MSP', 'Org3MSP']);
    const status = await (await transaction.submit()).getStatus();
    expect(status.successful).toBe(true);
  });
});
