export { ProvidersContract } from './providersContract';
export * from './score';
