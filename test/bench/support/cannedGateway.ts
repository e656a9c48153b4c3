import * as grpc from '@grpc/grpc-js';
import { gateway, peer } from '@hyperledger/fabric-protos';

/** TLS server material (the devnet's own, so the client connects exactly as it does to the devnet). */
export interface CannedGatewayTls {
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
}

/** A gateway.Gateway server whose every answer is fixed: the cost of a fabric-gateway client call alone. */
export interface CannedGateway {
  readonly endpoint: string;
  close(): void;
}

/**
 * Answers Evaluate with a fixed result, Endorse with a real prepared transaction captured from the devnet,
 * Submit with success and CommitStatus with VALID — no validation, no chaincode, no ledger. Driving it with
 * the same client and TLS as the devnet measures what the client costs on its own (the floor under any
 * gateway, Fabric's included).
 */
export async function startCannedGateway(
  tls: CannedGatewayTls,
  preparedTransaction: Uint8Array,
): Promise<CannedGateway> {
  const envelope = gateway.PreparedTransaction.deserializeBinary(preparedTransaction).getEnvelope();
  const endorsed = new gateway.EndorseResponse();
  endorsed.setPreparedTransaction(envelope);
  const result = new peer.Response();
  result.setStatus(200);
  result.setPayload(Buffer.from('value'));
  const evaluated = new gateway.EvaluateResponse();
  evaluated.setResult(result);
  const committed = new gateway.CommitStatusResponse();
  committed.setResult(peer.TxValidationCode.VALID);
  committed.setBlockNumber(1);

  const answer =
    <T>(response: T) =>
    (_call: unknown, callback: grpc.sendUnaryData<T>): void =>
      callback(null, response);
  const server = new grpc.Server();
  server.addService(gateway.GatewayService, {
    evaluate: answer(evaluated),
    endorse: answer(endorsed),
    submit: answer(new gateway.SubmitResponse()),
    commitStatus: answer(committed),
    chaincodeEvents: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
  });
  const credentials = grpc.ServerCredentials.createSsl(null, [
    { private_key: Buffer.from(tls.serverKeyPem), cert_chain: Buffer.from(tls.serverCertPem) },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { endpoint: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}
