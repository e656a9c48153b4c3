/**
 * The devnet's chaincode runtime (Fabric's core/chaincode on a peer).
 *
 * - {@link ChaincodeSupport}: accepts chaincodes dialling in (`protos.ChaincodeSupport/Register`, classic mode),
 *   launches chaincode folders as `fabric-chaincode-node start` processes (logs in the data folder, optional Node
 *   inspector), dials chaincode-as-a-service servers (`protos.Chaincode/Connect`) and runs transactions on them.
 * - Every state call of fabric-shim 2.5 is answered against the invocation's `TxSimulator` with the peer's
 *   semantics and error texts (`<TYPE> failed: transaction ID: <txid>: <reason>`); unknown message types get an
 *   ERROR, never silence; KEEPALIVE is never sent (fabric-shim 2.5 exits on it).
 * - Executions of the same channel+txid on one chaincode (the same proposal simulated once per endorsing org)
 *   are serialised: the shim can tell transactions apart by channel+txid only.
 */
export * from './types';
export {
  ChaincodeSupport,
  type ChaincodeSupportOptions,
  type LaunchSpec,
  type ConnectSpec,
  type ChaincodeToChaincodeCall,
  type ChaincodeInfo,
  type ChaincodeKind,
} from './support';
export { ChaincodeLaunchError, ChaincodeUnavailableError } from './errors';
export { LaunchBackoff, type LaunchBackoffOptions, type LaunchPermission } from './backoff';
export type { CollectionAccessCheck, CollectionAccessRequest } from './transaction-context';
export { ERROR_EXECUTION_TIMEOUT, ERROR_STREAM_TERMINATED } from './connection';
export { computePackageId } from './package-id';
export { QUERY_BATCH_SIZE, TOTAL_QUERY_LIMIT } from './query-iterators';
