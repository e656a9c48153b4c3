export { ShardMapsContract } from './contract';
export * from './types';
