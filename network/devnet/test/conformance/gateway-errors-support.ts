import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, GatewayError, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { gateway, google } from '@hyperledger/fabric-protos';
import type { Devnet, IdentityFiles } from '../../src';

/** An error as the client receives it: gRPC code, status message, and the ErrorDetails of the trailer. */
export interface ObservedError {
  readonly code: grpc.status;
  readonly message: string;
  readonly details: readonly { mspId: string; message: string }[];
}

/** Decodes the `grpc-status-details-bin` trailer as fabric-gateway's gatewayerror.ts does. */
function detailsOf(metadata: grpc.Metadata | undefined): ObservedError['details'] {
  const bytes = metadata?.get('grpc-status-details-bin')[0];
  if (!(bytes instanceof Buffer)) return [];
  return google.rpc.Status.deserializeBinary(bytes)
    .getDetailsList()
    .map((any) => gateway.ErrorDetail.deserializeBinary(any.getValue_asU8()))
    .map((detail) => ({ mspId: detail.getMspId(), message: detail.getMessage() }));
}

/** What a failed call (through fabric-gateway or raw gRPC) answered. */
export function observed(error: unknown): ObservedError {
  if (error instanceof GatewayError) {
    const cause = error.cause as grpc.ServiceError;
    return {
      code: error.code,
      message: cause.details,
      details: error.details.map((d) => ({ mspId: d.mspId, message: d.message })),
    };
  }
  const service = error as grpc.ServiceError;
  if (typeof service?.code !== 'number') throw error;
  return { code: service.code, message: service.details, details: detailsOf(service.metadata) };
}

/** Runs `call`, which must fail, and returns what it answered. */
export async function failure(call: () => Promise<unknown>): Promise<ObservedError> {
  try {
    await call();
  } catch (error) {
    return observed(error);
  }
  throw new Error('the call succeeded');
}

/** A raw unary call to `gateway.Gateway/<method>` on the devnet's endpoint (what the client cannot send). */
export function rawUnary<Req extends { serializeBinary(): Uint8Array }>(
  client: grpc.Client,
  method: 'Evaluate' | 'Endorse' | 'Submit' | 'CommitStatus',
  request: Req,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      `/gateway.Gateway/${method}`,
      (message: Req) => Buffer.from(message.serializeBinary()),
      (bytes: Buffer) => bytes,
      request,
      (error, response) => (error ? reject(error) : resolve(response)),
    );
  });
}

/** A raw ChaincodeEvents call: resolves with the stream's error. */
export function rawChaincodeEvents(
  client: grpc.Client,
  request: gateway.SignedChaincodeEventsRequest,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = client.makeServerStreamRequest(
      '/gateway.Gateway/ChaincodeEvents',
      (message: gateway.SignedChaincodeEventsRequest) => Buffer.from(message.serializeBinary()),
      (bytes: Buffer) => bytes,
      request,
    );
    call.on('data', () => undefined);
    call.on('error', reject);
    call.on('end', () => resolve(undefined));
  });
}

/** A fabric-gateway Gateway for an identity the devnet did not issue to a client (a peer's, a foreign CA's). */
export function gatewayAs(devnet: Devnet, identity: IdentityFiles): { gateway: Gateway; close(): void } {
  const { client } = devnet.connection(1);
  const gw = connect({
    client,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(identity.keyPem)),
    hash: hash.sha256,
  });
  return {
    gateway: gw,
    close: () => {
      gw.close();
      client.close();
    },
  };
}
