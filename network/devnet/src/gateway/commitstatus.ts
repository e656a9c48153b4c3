import * as grpc from '@grpc/grpc-js';
import { gateway, type peer } from '@hyperledger/fabric-protos';
import type { GatewayOptions } from './context';
import { RpcError } from './errors';
import { COMMIT_STATUS_REQUEST_REQUIRED, invalidCommitStatusRequest } from './messages';
import { checkSignedRequest } from './signedrequest';

/**
 * Fabric's CommitStatus (commitstatus.go): Readers ACL on the signed request, then the transaction's validation
 * code — at once if committed, else when it commits. The waiter is registered before the lookup, so that a commit
 * in between is not missed (commit/finder.go). A cancelled call ends with Canceled "context canceled".
 */
export async function commitStatus(
  options: GatewayOptions,
  signed: gateway.SignedCommitStatusRequest,
  signal: AbortSignal,
): Promise<gateway.CommitStatusResponse> {
  if (signed.getRequest_asU8().length === 0) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, COMMIT_STATUS_REQUEST_REQUIRED); // commitstatus.go:28
  }
  let request: gateway.CommitStatusRequest;
  try {
    request = gateway.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
  } catch (err) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, invalidCommitStatusRequest(String(err))); // commitstatus.go:33
  }
  checkSignedRequest(options.mspManager, options.acl, options.channelId, {
    channelId: request.getChannelId(),
    identity: request.getIdentity_asU8(),
    data: signed.getRequest_asU8(),
    signature: signed.getSignature_asU8(),
  }); // commitstatus.go:42
  const wait = options.notifier.waitForTransaction(request.getTransactionId());
  try {
    const found = await options.blocks.findTransaction(request.getTransactionId());
    const result =
      found ??
      (await Promise.race([
        wait.promise,
        new Promise<never>((_resolve, reject) => {
          // commitstatus.go:47: toRpcError of the context's error
          const onAbort = (): void => reject(new RpcError(grpc.status.CANCELLED, 'context canceled'));
          if (signal.aborted) onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]));
    const response = new gateway.CommitStatusResponse();
    response.setResult(result.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
    response.setBlockNumber(result.blockNumber);
    return response;
  } finally {
    wait.cancel();
  }
}
