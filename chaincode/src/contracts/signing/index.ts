export { SigningKeysContract } from './contract';
export * from './types';
export { jwkThumbprint, validatePublicJwk } from './jwk';
