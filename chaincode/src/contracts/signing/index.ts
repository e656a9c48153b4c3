export { SigningKeysContract } from './signingKeysContract';
export * from './types';
export { jwkThumbprint, validatePublicJwk } from './jwk';
