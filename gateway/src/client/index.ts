export { resolveCredentials, type CredentialFlags, type Credentials } from './credentials';
export {
  ApiProblemError,
  ApiUnreachableError,
  CredentialsError,
  type ApiFieldError,
  type ApiProblemErrorOptions,
} from './errors';
export { DEFAULT_PROFILE_PATH, ProfileError, readProfile, writeProfile, type Profile } from './profile';
export {
  apiPath,
  DEFAULT_TIMEOUT_MS,
  KeyLedgerClient,
  type ApiMethod,
  type ApiRequest,
  type ApiResponse,
  type KeyLedgerClientOptions,
} from './restClient';
