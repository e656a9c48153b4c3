export { ProvidersContract } from './contract';
export * from './types';
export * from './score';
