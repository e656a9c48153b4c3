import * as grpc from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import type { GatewayOptions } from './context';
import { RpcError } from './errors';
import {
  NO_ORDERER,
  PREPARED_TRANSACTION_REQUIRED,
  PREPARED_TRANSACTION_UNSIGNED,
  noChannelConfig,
  ordererRefused,
} from './messages';

/**
 * Fabric's Submit (submit.go): hands the signed envelope to the ordering service. A refusal (4xx: BAD_REQUEST,
 * FORBIDDEN) is final — Aborted with the orderer's status and info, no details; an orderer that cannot take it
 * (5xx) would be retried on the next, and with none left the answer is Unavailable.
 */
export function submit(options: GatewayOptions, request: gateway.SubmitRequest): gateway.SubmitResponse {
  const envelope = request.getPreparedTransaction();
  if (!envelope) throw new RpcError(grpc.status.INVALID_ARGUMENT, PREPARED_TRANSACTION_REQUIRED); // submit.go:33
  if (envelope.getSignature_asU8().length === 0) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, PREPARED_TRANSACTION_UNSIGNED); // submit.go:36
  }
  if (request.getChannelId() !== options.channelId) {
    throw new RpcError(grpc.status.FAILED_PRECONDITION, noChannelConfig(request.getChannelId())); // submit.go:40
  }
  const result = options.orderer.broadcast(envelope);
  if (result.status === 'SUCCESS') return new gateway.SubmitResponse();
  if (result.status === 'SERVICE_UNAVAILABLE') throw new RpcError(grpc.status.UNAVAILABLE, NO_ORDERER); // submit.go:92
  throw new RpcError(grpc.status.ABORTED, ordererRefused(result.status, result.info ?? '')); // submit.go:89
}
