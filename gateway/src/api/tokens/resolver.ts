import type { ApiCaller } from '../../http';
import type { IdentityResolver } from '../auth';
import type { ApiTokenStore } from './store';

/**
 * Bearer tokens from the token store, acting as the gateway's callers by name; anything else (client
 * certificates, tokens configured statically) goes to `fallback`.
 */
export function tokenStoreResolver(
  store: ApiTokenStore,
  callers: ReadonlyMap<string, ApiCaller>,
  fallback?: IdentityResolver,
): IdentityResolver {
  return {
    byBearerToken: (token) => {
      const record = store.authenticate(token);
      if (record !== undefined) {
        return callers.get(record.identity);
      }
      return fallback?.byBearerToken(token);
    },
    byCertificateFingerprint: (fingerprint) => fallback?.byCertificateFingerprint(fingerprint),
  };
}
