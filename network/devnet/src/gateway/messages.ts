/**
 * The texts Fabric's gateway answers with (internal/pkg/gateway at v2.5.16, file:line of the status it builds),
 * so that a fabric-gateway client — and a developer reading its error — sees what it would see against a peer.
 */

/** evaluate.go:30 (InvalidArgument) */
export const unpackFailed = (reason: string): string => `failed to unpack transaction proposal: ${reason}`;

/** endorse.go:30 (InvalidArgument) */
export const SIGNED_PROPOSAL_REQUIRED = 'the proposed transaction must contain a signed proposal';

/**
 * An unknown channel, as discovery reports it (registry.go:388 / :437 wrapping discovery/support/config/support.go):
 * Unavailable from Evaluate (evaluate.go:35), FailedPrecondition from Submit (submit.go:40).
 */
export const noChannelConfig = (channel: string): string =>
  `failed to get config for channel [${channel}]: could not get last config for channel ${channel}`;

/** registry.go:276, returned as FailedPrecondition by evaluate.go:50 */
export const noEvaluator = (chaincode: string, channel: string): string =>
  `no peers available to evaluate chaincode ${chaincode} in channel ${channel}`;

/** evaluate.go:48 — transient data and no target organisations: only the gateway's organisation may see it. */
export const noLocalEvaluator = (reason: string): string =>
  `no endorsers found in the gateway's organization; retry specifying target organization(s) to protect transient data: ${reason}`;

/** evaluate.go:83 — a failure that is not retried on another peer. */
export const evaluateCallFailed = (message: string): string =>
  `evaluate call to endorser returned error: ${message}`;

/** evaluate.go:86 — every peer was tried. */
export const EVALUATE_FAILED = 'failed to evaluate transaction, see attached details for more info';

/** registry.go:177, returned as Unavailable by endorse.go:65 */
export const noEndorsersForOrgs = (orgs: readonly string[]): string =>
  `failed to find any endorsing peers for org(s): ${orgs.join(', ')}`;

/**
 * registry.go:62 wraps discovery's reason (discovery/endorsement/endorsement.go:174, :240, :349); FailedPrecondition
 * from endorse.go:187 (unknown chaincode) and endorse.go:264 (no plan after the first endorsement).
 */
export const noCombination = (reason: string): string =>
  `no combination of peers can be derived which satisfy the endorsement policy: ${reason}`;

/** discovery/endorsement/endorsement.go:349 */
export const noMetadata = (chaincode: string, channel: string): string =>
  `No metadata was found for chaincode ${chaincode} in channel ${channel}`;

/** endorse.go:182 (planFromFirstEndorser) — transient data and the gateway's organisation cannot endorse. */
export const NO_LOCAL_ENDORSER =
  "no endorsers found in the gateway's organization; retry specifying endorsing organization(s) to protect transient data";

/** endorse.go:228 (planFromFirstEndorser) — the first endorser failed. */
export const ENDORSE_FAILED = 'failed to endorse transaction, see attached details for more info';

/** endorse.go:108 — no layout of the plan could be completed. */
export const COLLECT_FAILED =
  'failed to collect enough transaction endorsements, see attached details for more info';

/** endorsement.go:133 — a later endorser's payload differs from the first one's. */
export const PAYLOADS_DO_NOT_MATCH = 'ProposalResponsePayloads do not match';

/** submit.go:33 / :36 (InvalidArgument) */
export const PREPARED_TRANSACTION_REQUIRED = 'a prepared transaction is required';
export const PREPARED_TRANSACTION_UNSIGNED = 'prepared transaction must be signed';

/** submit.go:89 — the orderer refused (4xx): Aborted, no details. */
export const ordererRefused = (status: string, info: string): string =>
  `received unsuccessful response from orderer: status=${status}, info=${info}`;

/** submit.go:92 — no orderer accepted it (5xx or unreachable): Unavailable. */
export const NO_ORDERER = 'no orderers could successfully process transaction';

/** commitstatus.go:28 / chaincodeevents.go:31 (InvalidArgument) */
export const COMMIT_STATUS_REQUEST_REQUIRED = 'a commit status request is required';
export const CHAINCODE_EVENTS_REQUEST_REQUIRED = 'a chaincode events request is required';
export const invalidCommitStatusRequest = (reason: string): string => `invalid status request: ${reason}`;
export const invalidChaincodeEventsRequest = (reason: string): string =>
  `invalid chaincode events request: ${reason}`;

/** chaincodeevents.go:139 — Go's %T of the seek position's type. */
export const invalidStartPosition = (goType: string): string => `invalid start position type: ${goType}`;
