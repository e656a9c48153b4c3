/**
 * What importing the gateway loads (as fabric-gateway's own dependency.test.ts checks for pkcs11js): the contract
 * module of the chaincode, but never the chaincode's contracts, fabric-contract-api, fabric-shim or the devnet —
 * an application that talks to a real Fabric network must not carry the chaincode runtime or the embedded ledger.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const GATEWAY_DIST = resolve(__dirname, '../../dist/index.js');

function modulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('importing the gateway', () => {
  let loaded: string[];

  beforeAll(() => {
    if (!existsSync(GATEWAY_DIST)) {
      throw new Error(`${GATEWAY_DIST} is missing: build first (npx tsc -b)`);
    }
    loaded = modulesLoadedBy(GATEWAY_DIST);
  });

  it.each(['/node_modules/fabric-contract-api/', '/node_modules/fabric-shim/', '/network/devnet/'])(
    'does not load %s',
    (fragment) => {
      expect(loaded.filter((path) => path.includes(fragment))).toEqual([]);
    },
  );

  it("loads the chaincode's protocol module only, not its contracts", () => {
    const chaincode = loaded.filter((path) => path.includes('/chaincode/dist/'));
    expect(chaincode.length).toBeGreaterThan(0);
    expect(chaincode.filter((path) => !path.includes('/chaincode/dist/protocol/'))).toEqual([]);
  });

  it('the stack (which starts the devnet) loads the devnet only when it starts one', () => {
    const stack = modulesLoadedBy(resolve(__dirname, '../../dist/stack/index.js'));
    expect(stack.filter((path) => path.includes('/network/devnet/'))).toEqual([]);
  });
});
