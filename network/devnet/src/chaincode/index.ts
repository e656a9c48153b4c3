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
export { ChaincodeLaunchError } from './errors';
export { ERROR_EXECUTION_TIMEOUT, ERROR_STREAM_TERMINATED } from './connection';
export { computePackageId } from './package-id';
export { QUERY_BATCH_SIZE, TOTAL_QUERY_LIMIT } from './query-iterators';
