/**
 * What the `keyledger` command loads before it knows which command runs: the REST client and the commands,
 * never the stack, the API server, the HSM layer or the Fabric client (only `start` and `hsm init` need them,
 * and load them themselves). A user command then starts in a fraction of a second and works on a machine
 * without SoftHSM; and the client stays a client (it must not reach into api/ or stack/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const DIST = resolve(__dirname, '../../dist');

function modulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('what the keyledger command loads', () => {
  let dispatcher: string[];

  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'cli/run.js'))) {
      throw new Error(`${DIST}/cli/run.js is missing: build first (npx tsc -b)`);
    }
    dispatcher = modulesLoadedBy(resolve(DIST, 'cli/run.js'));
  });

  it.each([
    '/gateway/dist/stack/',
    '/gateway/dist/hsm/',
    '/gateway/dist/fabric/',
    '/gateway/dist/api/index.js',
    '/gateway/dist/api/app.js',
    '/node_modules/pkcs11js/',
    '/node_modules/@hyperledger/',
    '/node_modules/@grpc/',
    '/node_modules/express/',
    '/network/devnet/',
  ])('the dispatcher does not load %s', (fragment) => {
    expect(dispatcher.filter((path) => path.includes(fragment))).toEqual([]);
  });

  it('the client loads nothing of the gateway outside client/ but the file helper', () => {
    const gateway = modulesLoadedBy(resolve(DIST, 'client/index.js')).filter((path) =>
      path.includes('/gateway/dist/'),
    );
    expect(
      gateway.filter(
        (path) => !path.includes('/gateway/dist/client/') && !path.includes('/gateway/dist/files/'),
      ),
    ).toEqual([]);
  });
});
