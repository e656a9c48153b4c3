import * as grpc from '@grpc/grpc-js';
import { common, gateway, peer } from '@hyperledger/fabric-protos';
import type { MspManager } from '../msp/types';
import type { CommitNotifier } from '../peer/notifier';
import type { ChannelAcl } from './acl';
import { chaincodeEventResponses, chaincodeEventsStartBlock } from './chaincodeevents';
import { deliverBlocks, parseSeekEnvelope, statusResponse, type DeliverKind } from './deliver';
import { RpcError, toRpcError } from './errors';
import type { GatewayServer } from './gateway';
import { CHAINCODE_EVENTS_REQUEST_REQUIRED, invalidChaincodeEventsRequest } from './messages';
import type { BlockSource } from './ports';
import { checkSignedRequest } from './signedrequest';

export interface ServiceContext {
  readonly channelId: string;
  readonly gateway: GatewayServer;
  readonly blocks: BlockSource;
  readonly notifier: CommitNotifier;
  readonly mspManager: MspManager;
  readonly acl: ChannelAcl;
  /** Called with unexpected errors (bugs), for the log. */
  readonly onError?: (err: unknown) => void;
}

function unary<Req, Res>(
  handler: (request: Req, signal: AbortSignal) => Promise<Res> | Res,
  onError?: (err: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    // grpc-js also reports 'cancelled' when the stream closes after the answer: aborting then would only cost a
    // DOMException (with its stack trace) per call
    let answered = false;
    call.on('cancelled', () => {
      if (!answered) controller.abort();
    });
    Promise.resolve()
      .then(() => handler(call.request, controller.signal))
      .then(
        (response) => {
          answered = true;
          callback(null, response);
        },
        (err: unknown) => {
          answered = true;
          if (!(err instanceof RpcError)) onError?.(err);
          callback(toRpcError(err).toServiceError());
        },
      );
  };
}

function streamAbort(
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
): AbortController {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  call.on('close', () => controller.abort());
  call.on('error', () => controller.abort());
  return controller;
}

/** gRPC handlers for `gateway.Gateway`. */
export function gatewayHandlers(context: ServiceContext): grpc.UntypedServiceImplementation {
  const gw = context.gateway;
  const chaincodeEvents: grpc.handleServerStreamingCall<
    gateway.SignedChaincodeEventsRequest,
    gateway.ChaincodeEventsResponse
  > = (call) => {
    const controller = streamAbort(call);
    void (async () => {
      try {
        const signed = call.request;
        if (signed.getRequest_asU8().length === 0) {
          throw new RpcError(grpc.status.INVALID_ARGUMENT, CHAINCODE_EVENTS_REQUEST_REQUIRED); // chaincodeevents.go:31
        }
        let request: gateway.ChaincodeEventsRequest;
        try {
          request = gateway.ChaincodeEventsRequest.deserializeBinary(signed.getRequest_asU8());
        } catch (err) {
          throw new RpcError(grpc.status.INVALID_ARGUMENT, invalidChaincodeEventsRequest(String(err))); // chaincodeevents.go:36
        }
        // an unknown channel fails the ACL check, before any ledger lookup (chaincodeevents.go:45)
        checkSignedRequest(context.mspManager, context.acl, context.channelId, {
          channelId: request.getChannelId(),
          identity: request.getIdentity_asU8(),
          data: signed.getRequest_asU8(),
          signature: signed.getSignature_asU8(),
        });
        const start = await chaincodeEventsStartBlock(context.blocks, request);
        for await (const response of chaincodeEventResponses(
          context.blocks,
          context.notifier,
          request,
          start,
          controller.signal,
        )) {
          if (controller.signal.aborted) break;
          call.write(response);
        }
        if (!controller.signal.aborted)
          call.emit('error', new RpcError(grpc.status.UNAVAILABLE, 'server shutting down').toServiceError());
      } catch (err) {
        if (!(err instanceof RpcError)) context.onError?.(err);
        if (!controller.signal.aborted) call.emit('error', toRpcError(err).toServiceError());
      }
    })();
  };
  return {
    endorse: unary((request: gateway.EndorseRequest) => gw.endorse(request), context.onError),
    submit: unary((request: gateway.SubmitRequest) => gw.submit(request), context.onError),
    commitStatus: unary(
      (request: gateway.SignedCommitStatusRequest, signal: AbortSignal) => gw.commitStatus(request, signal),
      context.onError,
    ),
    evaluate: unary((request: gateway.EvaluateRequest) => gw.evaluate(request), context.onError),
    chaincodeEvents,
  };
}

function deliverHandler(
  kind: DeliverKind,
  context: ServiceContext,
): grpc.handleBidiStreamingCall<common.Envelope, peer.DeliverResponse> {
  return (call) => {
    const controller = streamAbort(call);
    let queue = Promise.resolve();
    call.on('data', (envelope: common.Envelope) => {
      // One seek request at a time per stream, in order, as Fabric's deliver handler reads them.
      queue = queue.then(async () => {
        const seek = parseSeekEnvelope(envelope, context.channelId, context.mspManager, context.acl);
        if (!seek.ok) {
          call.write(statusResponse(seek.status));
          return;
        }
        try {
          for await (const response of deliverBlocks(
            kind,
            seek.seekInfo,
            context.blocks,
            context.notifier,
            context.channelId,
            controller.signal,
          )) {
            if (controller.signal.aborted) return;
            call.write(response);
          }
        } catch (err) {
          context.onError?.(err);
          if (!controller.signal.aborted) call.write(statusResponse(common.Status.INTERNAL_SERVER_ERROR));
        }
      });
    });
    call.on('end', () => {
      void queue.then(() => call.end());
    });
  };
}

/** gRPC handlers for `protos.Deliver` (peer block events). */
export function deliverHandlers(context: ServiceContext): grpc.UntypedServiceImplementation {
  return {
    deliver: deliverHandler('block', context),
    deliverFiltered: deliverHandler('filtered', context),
    deliverWithPrivateData: deliverHandler('private', context),
  };
}
