import * as grpc from '@grpc/grpc-js';
import { gateway, google } from '@hyperledger/fabric-protos';
import { Any } from 'google-protobuf/google/protobuf/any_pb';

/** One failure reported by an endorser or orderer, as Fabric's `gateway.ErrorDetail`. */
export interface ErrorDetailInfo {
  readonly address: string;
  readonly mspId: string;
  readonly message: string;
}

/**
 * A gRPC error as Fabric's gateway returns it: a status code, a message and, in the
 * `grpc-status-details-bin` trailer, a `google.rpc.Status` whose details are `gateway.ErrorDetail`s.
 * The fabric-gateway client turns these into `GatewayError.details`.
 */
export class RpcError extends Error {
  readonly code: grpc.status;
  readonly details: readonly ErrorDetailInfo[];

  constructor(code: grpc.status, message: string, details: readonly ErrorDetailInfo[] = []) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = details;
  }

  /** The object grpc-js sends as the call's error status. */
  toServiceError(): Partial<grpc.StatusObject> {
    const metadata = new grpc.Metadata();
    if (this.details.length > 0) {
      metadata.set('grpc-status-details-bin', Buffer.from(statusWithDetails(this).serializeBinary()));
    }
    return { code: this.code, details: this.message, metadata };
  }
}

function statusWithDetails(error: RpcError): google.rpc.Status {
  const status = new google.rpc.Status();
  status.setCode(error.code);
  status.setMessage(error.message);
  status.setDetailsList(
    error.details.map((detail) => {
      const message = new gateway.ErrorDetail();
      message.setAddress(detail.address);
      message.setMspId(detail.mspId);
      message.setMessage(detail.message);
      const any = new Any();
      any.pack(message.serializeBinary(), 'gateway.ErrorDetail');
      return any;
    }),
  );
  return status;
}

/** Maps any thrown value to an RpcError; unexpected errors keep `fallback` as their code. */
export function toRpcError(err: unknown, fallback: grpc.status = grpc.status.UNKNOWN): RpcError {
  if (err instanceof RpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RpcError(fallback, message);
}
