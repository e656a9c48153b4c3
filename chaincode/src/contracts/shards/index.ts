export { ShardMapsContract } from './shardMapsContract';
export * from './types';
