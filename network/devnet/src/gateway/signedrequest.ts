import * as grpc from '@grpc/grpc-js';
import type { MspManager } from '../msp/types';
import type { ChannelAcl } from './acl';
import { RpcError } from './errors';

/** A request signed by a client identity (commit status, chaincode events). */
export interface SignedRequest {
  /** The channel the request names. */
  readonly channelId: string;
  /** Serialised `msp.SerializedIdentity` of the signer. */
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

const READERS = '/Channel/Application/Readers';

/** common/policies/implicitmeta.go:102 — ANY Readers: one organisation's Readers must be satisfied. */
const READERS_NOT_SATISFIED =
  "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Readers' sub-policies to be satisfied";

/**
 * The channel Readers ACL check of Fabric's gateway (`gs.policy.CheckACL`, commitstatus.go:41, chaincodeevents.go:44):
 * the identity must belong to a channel MSP as a reader and its signature over the request must verify. Failure →
 * PermissionDenied with core/policy/policy.go's texts — an unknown channel fails here too, before any lookup. As in
 * Fabric, an identity that does not deserialize or a bad signature only means that no sub-policy is satisfied.
 */
export function checkSignedRequest(
  msp: MspManager,
  acl: ChannelAcl,
  channelId: string,
  request: SignedRequest,
): void {
  const denied = (message: string): RpcError => new RpcError(grpc.status.PERMISSION_DENIED, message);
  if (request.channelId === '') {
    throw denied(
      'Invalid channel ID name during check policy on signed data. Name must be different from nil.',
    );
  }
  if (request.channelId !== channelId) {
    throw denied(`Failed to get policy manager for channel [${request.channelId}]`);
  }
  let satisfied = false;
  try {
    const identity = msp.deserializeIdentity(request.identity);
    satisfied = msp.verify(identity, request.data, request.signature) && acl.isReader(identity);
  } catch {
    satisfied = false;
  }
  if (!satisfied) {
    throw denied(
      `Failed evaluating policy on signed data during check policy on channel [${channelId}] with policy [${READERS}]: [${READERS_NOT_SATISFIED}]`,
    );
  }
}
