import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { ChaincodeLaunchError } from './errors';

/** Where a chaincode-as-a-service server listens (Fabric's connection.json, minus the file). */
export interface ChaincodeServerAddress {
  readonly address: string;
  readonly tls?: {
    readonly rootCertPem: string;
    readonly clientCertPem?: string;
    readonly clientKeyPem?: string;
  };
}

export interface ChaincodeServerLink {
  readonly call: grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;
  /** Closes the gRPC channel (the call must be ended first). */
  close(): void;
}

/** Chaincode messages can be large (a batch of 100 results); Fabric's peer allows 100 MB. */
const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

/**
 * Dials `protos.Chaincode/Connect` as Fabric's extcc handler does, waiting up to `dialTimeoutMs` for the server
 * to accept connections (it may still be starting). The chaincode speaks first: it sends REGISTER on the new stream.
 */
export async function dialChaincodeServer(
  target: ChaincodeServerAddress,
  dialTimeoutMs: number,
): Promise<ChaincodeServerLink> {
  const credentials = target.tls
    ? grpc.credentials.createSsl(
        Buffer.from(target.tls.rootCertPem),
        target.tls.clientKeyPem ? Buffer.from(target.tls.clientKeyPem) : null,
        target.tls.clientCertPem ? Buffer.from(target.tls.clientCertPem) : null,
      )
    : grpc.credentials.createInsecure();
  const client = new peer.ChaincodeClient(target.address, credentials, {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + dialTimeoutMs, (error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    client.close();
    throw new ChaincodeLaunchError(
      `could not connect to chaincode server at ${target.address}: ${(error as Error).message}`,
    );
  }
  return { call: client.connect(), close: () => client.close() };
}
