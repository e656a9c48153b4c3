export { ShardMapsContract } from './shardMapsContract';
