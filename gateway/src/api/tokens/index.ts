export { tokenStoreResolver } from './resolver';
export { TAG_TOKENS, tokenApi, type TokenApiDeps } from './routes';
export { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS } from './schemas';
export {
  ApiTokenStore,
  ApiTokenStoreError,
  tokenDigest,
  type ApiTokenRecord,
  type ApiTokenStatus,
  type ApiTokenStoreOptions,
  type IssuedToken,
} from './store';
