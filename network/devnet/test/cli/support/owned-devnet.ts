/*
 * A program that runs a devnet inside itself, as the KeyLedger stack does, and names itself as its owner:
 *   node -r test/devnet/ts-register.js test/cli/support/owned-devnet.ts <dataDir>
 * Prints "ready" once the devnet serves; stops it and exits on SIGTERM.
 */
import { startDevnet } from '../../../src';

void (async (): Promise<void> => {
  const devnet = await startDevnet({
    dataDir: process.argv[2] as string,
    port: 0,
    orgs: 1,
    owner: { name: 'KeyLedger stack', includes: 'ledger, agents and API' },
  });
  process.once('SIGTERM', () => {
    void devnet.stop().then(() => process.exit(0));
  });
  process.stdout.write('ready\n');
})();
