/**
 * Kept at this path for the bench's load client (test/bench/support/loadClientMain.ts), which imports the devnet's
 * connection helpers from here without loading the rest of the package.
 */
export { channelCredentials, nativeSigner } from './network/connection';
