import * as grpc from '@grpc/grpc-js';
import type { NotEndorsed } from '../endorser/endorser';

/** How the gateway reacts to an endorser's failure. */
export interface ResponseStatus {
  readonly code: grpc.status;
  /** Try the next peer (Evaluate), as for a peer that could not run the chaincode. */
  readonly retry: boolean;
}

/**
 * Fabric's apiutils.go responseStatus: an error with a response (validation, ACL, duplicate) → FailedPrecondition,
 * no retry (apiutils.go:38); a status 500 without payload, made by the peer (the chaincode could not run) → Aborted,
 * retried elsewhere (apiutils.go:45, :48); an error status from the chaincode → Unknown (apiutils.go:51). The
 * message is the outcome's — for the chaincode, already "chaincode response <status>, <message>".
 */
export function responseStatus(outcome: NotEndorsed): ResponseStatus {
  switch (outcome.kind) {
    case 'rejected':
      return { code: grpc.status.FAILED_PRECONDITION, retry: false };
    case 'unavailable':
      return { code: grpc.status.ABORTED, retry: true };
    case 'chaincode':
      return { code: grpc.status.UNKNOWN, retry: false };
  }
}
