export { SigningKeysContract } from './signingKeysContract';
export { jwkThumbprint, validatePublicJwk } from './jwk';
