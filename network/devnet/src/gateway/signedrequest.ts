import * as grpc from '@grpc/grpc-js';
import type { MspManager } from '../msp/types';
import type { ChannelAcl } from './acl';
import { RpcError } from './errors';

/** A request signed by a client identity (commit status, chaincode events, deliver). */
export interface SignedRequest {
  readonly channelId: string;
  /** Serialised `msp.SerializedIdentity` of the signer. */
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * The channel Readers ACL check of Fabric's gateway: the identity must belong to a channel MSP and its
 * signature over the request must verify. Failure → PermissionDenied, as `gs.policy.CheckACL` reports it.
 */
export function checkSignedRequest(
  msp: MspManager,
  acl: ChannelAcl,
  channelId: string,
  resource: string,
  request: SignedRequest,
): void {
  const denied = (why: string): RpcError =>
    new RpcError(
      grpc.status.PERMISSION_DENIED,
      `failed evaluating policy on signed data during check policy [/Channel/Application/Readers] for resource [gateway/${resource}] on channel [${channelId}]: ${why}`,
    );
  let identity;
  try {
    identity = msp.deserializeIdentity(request.identity);
  } catch (err) {
    throw denied(`identity is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!msp.verify(identity, request.data, request.signature)) throw denied('signature is not valid');
  if (!acl.isReader(identity))
    throw denied(`${identity.mspId} ${identity.role ?? 'member'} is not a reader of the channel`);
}
