export { ProvidersContract } from './providersContract';
export * from './types';
export * from './score';
